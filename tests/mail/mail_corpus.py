"""Realistic replies from the common mail clients, English and French, as raw RFC 5322 messages.

Each entry: (name, raw message with {to} and {sender} placeholders, the text expected after
quoted text and signature are removed). Built from what the clients actually send (headers
trimmed to those that matter).
"""

from __future__ import annotations

import base64

ORIGINAL_EN = "Alice Martin commented on your post:\n\nShall we move the kick-off to Thursday?"
ORIGINAL_FR = "Alice Martin a commenté votre publication :\n\nOn décale le lancement à jeudi ?"


def b64(text: str, charset: str = "utf-8") -> str:
    data = base64.b64encode(text.encode(charset)).decode("ascii")
    return "\n".join(data[i:i + 76] for i in range(0, len(data), 76))


CORPUS: list[tuple[str, str, str]] = []


def case(name: str, raw: str, expected: str) -> None:
    CORPUS.append((name, raw.lstrip("\n"), expected))


# --- Gmail, English: multipart/alternative, quoted-printable, attribution wrapped over two lines
case("gmail_en", """
MIME-Version: 1.0
Date: Thu, 26 Nov 2026 10:15:02 +0100
Message-ID: <CAKx8f2=gmail-en-1@mail.gmail.com>
Subject: Re: Alice Martin commented on your post
From: {sender}
To: Essaim <{to}>
Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f6"

--000000000000a1b2c3d4e5f6
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

Thursday works for me. I'll book the **big room** =F0=9F=91=8D

Agenda:
- budget
- hiring

On Thu, Nov 26, 2026 at 10:02 AM Essaim via Acme <
essaim@acme.example.com> wrote:

> Alice Martin commented on your post:
>
> Shall we move the kick-off to Thursday?
>

--000000000000a1b2c3d4e5f6
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">Thursday works for me. I&#39;ll book the **big room** =F0=9F=
=91=8D<div><br></div><div>Agenda:</div><div>- budget</div><div>- hiring</div>=
</div><br><div class=3D"gmail_quote"><div dir=3D"ltr" class=3D"gmail_attr">On=
 Thu, Nov 26, 2026 at 10:02 AM Essaim via Acme &lt;essaim@acme.example.com&gt=
; wrote:<br></div><blockquote class=3D"gmail_quote" style=3D"margin:0px 0px 0=
px 0.8ex">Alice Martin commented on your post:<br><br>Shall we move the kick-=
off to Thursday?</blockquote></div>

--000000000000a1b2c3d4e5f6--
""", "Thursday works for me. I'll book the **big room** \N{THUMBS UP SIGN}\n\nAgenda:\n- budget\n- hiring")

# --- Gmail, French: "Le jeu. 26 nov. 2026 à 10:02, X <x@y> a écrit :" wrapped, and a "-- " signature
case("gmail_fr", """
MIME-Version: 1.0
Date: Thu, 26 Nov 2026 10:20:11 +0100
Message-ID: <CAKx8f2=gmail-fr-1@mail.gmail.com>
Subject: Re: Alice Martin a commenté votre publication
From: {sender}
To: {to}
Content-Type: multipart/alternative; boundary="0000000000007f8e9d"

--0000000000007f8e9d
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

D=E2=80=99accord pour jeudi, je r=C3=A9serve la salle.
=C3=80 bient=C3=B4t !

--=20
Chlo=C3=A9 Durand
Responsable des achats

Le jeu. 26 nov. 2026 =C3=A0 10:02, Essaim via Acme <essaim@acme.example.com> a
=C3=A9crit :

> Alice Martin a comment=C3=A9 votre publication :
>
> On d=C3=A9cale le lancement =C3=A0 jeudi ?
>

--0000000000007f8e9d
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">D=E2=80=99accord pour jeudi, je r=C3=A9serve la salle.<br>=C3=
=80 bient=C3=B4t=C2=A0!</div>

--0000000000007f8e9d--
""", "D’accord pour jeudi, je réserve la salle.\nÀ bientôt !")

# --- Outlook desktop, English: text/plain with the "From: Sent: To: Subject:" header block
case("outlook_desktop_en", """
MIME-Version: 1.0
Date: Thu, 26 Nov 2026 09:31:40 +0000
Message-ID: <AM0PR07MB1234ABCD@AM0PR07MB1234.eurprd07.prod.outlook.com>
Subject: RE: Alice Martin commented on your post
From: "Durand, Chloe" <{sender}>
To: "Essaim" <{to}>
Thread-Topic: Alice Martin commented on your post
Content-Language: en-GB
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit

Hi Alice,

Agreed - Thursday 10:00. I have sent the invite.

Kind regards,
Chloe

From: Essaim <essaim@acme.example.com>
Sent: Thursday, November 26, 2026 10:02 AM
To: Durand, Chloe <chloe.durand@acme.example.com>
Subject: Alice Martin commented on your post

Alice Martin commented on your post:

Shall we move the kick-off to Thursday?
""", "Hi Alice,\n\nAgreed - Thursday 10:00. I have sent the invite.\n\nKind regards,\nChloe")

# --- Outlook desktop, French: "De : … Envoyé : … À : … Objet :", windows-1252 quoted-printable
case("outlook_desktop_fr", """
MIME-Version: 1.0
Date: Thu, 26 Nov 2026 09:40:00 +0000
Message-ID: <PR3P192MB0777FR@PR3P192MB0777.EURP192.PROD.OUTLOOK.COM>
Subject: RE: Alice Martin a =?windows-1252?Q?comment=E9_votre_publication?=
From: =?windows-1252?Q?Chlo=E9_Durand?= <{sender}>
To: Essaim <{to}>
Content-Language: fr-FR
Content-Type: text/plain; charset="windows-1252"
Content-Transfer-Encoding: quoted-printable

Bonjour Alice,

C=92est not=E9 : jeudi 10 h. Le budget pr=E9vu est de 2 000 =80.

Cordialement,
Chlo=E9

De : Essaim <essaim@acme.example.com>=20
Envoy=E9 : jeudi 26 novembre 2026 10:02
=C0 : Durand Chlo=E9 <chloe.durand@acme.example.com>
Objet : Alice Martin a comment=E9 votre publication

Alice Martin a comment=E9 votre publication :

On d=E9cale le lancement =E0 jeudi ?
""", "Bonjour Alice,\n\nC’est noté : jeudi 10 h. Le budget prévu est de 2 000 €.\n\nCordialement,\nChloé")

# --- Outlook mobile (Android), English: "Get Outlook for Android", underscores, header block
case("outlook_mobile_en", """
MIME-Version: 1.0
Date: Thu, 26 Nov 2026 11:05:13 +0000
Message-ID: <DB9PR02MB7000mobile@DB9PR02MB7000.eurprd02.prod.outlook.com>
Subject: Re: Alice Martin commented on your post
From: Chloe Durand <{sender}>
To: Essaim <{to}>
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64

{body}
""".replace("{body}", b64(
    "On my way, see you at 10.\r\n\r\nGet Outlook for Android<https://aka.ms/AAb9ysg>\r\n"
    "________________________________\r\nFrom: Essaim <essaim@acme.example.com>\r\n"
    "Sent: Thursday, November 26, 2026 10:02:41 AM\r\nTo: Chloe Durand <chloe.durand@acme.example.com>\r\n"
    "Subject: Alice Martin commented on your post\r\n\r\n" + ORIGINAL_EN.replace("\n", "\r\n") + "\r\n")),
    "On my way, see you at 10.")

# --- Outlook mobile (iOS), French: "Obtenir Outlook pour iOS"
case("outlook_mobile_fr", """
MIME-Version: 1.0
Date: Thu, 26 Nov 2026 11:07:00 +0000
Message-ID: <DB9PR02MB7000mobilefr@DB9PR02MB7000.eurprd02.prod.outlook.com>
Subject: Re: Alice Martin a commenté votre publication
From: Chloé Durand <{sender}>
To: Essaim <{to}>
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64

{body}
""".replace("{body}", b64(
    "J’arrive 🚀\r\n\r\nObtenir Outlook pour iOS<https://aka.ms/o0ukef>\r\n"
    "________________________________\r\nDe : Essaim <essaim@acme.example.com>\r\n"
    "Envoyé : jeudi, novembre 26, 2026 10:02 AM\r\nÀ : Chloé Durand <chloe.durand@acme.example.com>\r\n"
    "Objet : Alice Martin a commenté votre publication\r\n\r\n" + ORIGINAL_FR.replace("\n", "\r\n") + "\r\n")),
    "J’arrive 🚀")

# --- Apple Mail on iPhone, English: format=flowed, "Sent from my iPhone", "> " quote
case("apple_iphone_en", """
Content-Type: text/plain; charset=us-ascii; format=flowed
Content-Transfer-Encoding: 7bit
Mime-Version: 1.0 (1.0)
Subject: Re: Alice Martin commented on your post
From: Chloe Durand <{sender}>
Date: Thu, 26 Nov 2026 10:44:03 +0100
Message-Id: <8F2A1C3B-5D6E-4F70-8A9B-0C1D2E3F4A5B@acme.example.com>
To: Essaim <{to}>
X-Mailer: iPhone Mail (22B91)

Yes, Thursday is fine. Can someone bring the projector for the demo of the{SP}
new dashboard?

Sent from my iPhone

> On Nov 26, 2026, at 10:02, Essaim <essaim@acme.example.com> wrote:
>
> Alice Martin commented on your post:
>
> Shall we move the kick-off to Thursday?
""".replace("{SP}", " "),  # format=flowed: a line ending in a space continues
    "Yes, Thursday is fine. Can someone bring the projector for the demo of the new dashboard?")

# --- Apple Mail on iPhone, French: "Envoyé de mon iPhone", quoted-printable UTF-8
case("apple_iphone_fr", """
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable
Mime-Version: 1.0 (1.0)
Subject: Re: Alice Martin a =?utf-8?Q?comment=C3=A9_votre_publication?=
From: =?utf-8?Q?Chlo=C3=A9_Durand?= <{sender}>
Date: Thu, 26 Nov 2026 10:46:20 +0100
Message-Id: <1A2B3C4D-iphone-fr@acme.example.com>
To: Essaim <{to}>
X-Mailer: iPhone Mail (22B91)

Parfait, je pr=C3=A9viens l=E2=80=99=C3=A9quipe.

Envoy=C3=A9 de mon iPhone

> Le 26 nov. 2026 =C3=A0 10:02, Essaim <essaim@acme.example.com> a =C3=A9cri=
t=C2=A0:
>=20
> =EF=BB=BFAlice Martin a comment=C3=A9 votre publication :
>=20
> On d=C3=A9cale le lancement =C3=A0 jeudi ?
""", "Parfait, je préviens l’équipe.")

# --- Thunderbird, English: format=flowed, "On 26/11/2026 10:02, X wrote:", "-- " signature
case("thunderbird_en", """
Message-ID: <3f1e2d4c-tb-en@acme.example.com>
Date: Thu, 26 Nov 2026 10:50:12 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Subject: Re: Alice Martin commented on your post
To: Essaim <{to}>
From: Chloe Durand <{sender}>
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

Thanks Alice. Two remarks:

1. the room holds 12 people,
2. we should invite the *sales* team too.

-- 
Chloe Durand
Purchasing

On 26/11/2026 10:02, Essaim wrote:
> Alice Martin commented on your post:
>
> Shall we move the kick-off to Thursday?
""", "Thanks Alice. Two remarks:\n\n1. the room holds 12 people,\n2. we should invite the *sales* team too.")

# --- Thunderbird, French: "Le 26/11/2026 à 10:02, X a écrit :", 8bit UTF-8
case("thunderbird_fr", """
Message-ID: <3f1e2d4c-tb-fr@acme.example.com>
Date: Thu, 26 Nov 2026 10:52:00 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Subject: Re: Alice Martin a commenté votre publication
Content-Language: fr
To: Essaim <{to}>
From: Chloé Durand <{sender}>
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

Très bonne idée, je m’en occupe.

Le 26/11/2026 à 10:02, Essaim a écrit :
> Alice Martin a commenté votre publication :
>
> On décale le lancement à jeudi ?
""", "Très bonne idée, je m’en occupe.")

# --- HTML only (Outlook on the web style): paragraphs, a list, a link, the reply header block
case("html_only", """
MIME-Version: 1.0
Date: Thu, 26 Nov 2026 12:00:00 +0000
Message-ID: <html-only-1@acme.example.com>
Subject: RE: Alice Martin commented on your post
From: Chloe Durand <{sender}>
To: Essaim <{to}>
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

<html><head><style>p {{ margin: 0 }}</style></head><body>
<div>Sounds good.&nbsp;Here is the <a href=3D"https://wiki.acme.example.com/kickoff">agenda</a>:</di=
v>
<ul><li>budget</li><li>hiring &amp; onboarding</li></ul>
<div>See you <b>Thursday</b>!</div>
<div id=3D"appendonsend"></div>
<hr style=3D"display:inline-block;width:98%">
<div id=3D"divRplyFwdMsg" dir=3D"ltr"><font face=3D"Calibri, sans-serif"><b>From:</b> Essaim &lt;essaim@=
acme.example.com&gt;<br><b>Sent:</b> Thursday, November 26, 2026 10:02 AM<br><b>To:</b> Chloe Durand &l=
t;chloe.durand@acme.example.com&gt;<br><b>Subject:</b> Alice Martin commented on your post</font>
<div>&nbsp;</div></div>
<div>Alice Martin commented on your post:<br><br>Shall we move the kick-off to Thursday?</div>
</body></html>
""".replace("{{", "{").replace("}}", "}"),
    "Sounds good. Here is the [agenda](https://wiki.acme.example.com/kickoff):\n\n- budget\n"
    "- hiring & onboarding\n\nSee you Thursday!")

# --- windows-1252 text labelled iso-8859-1, 8bit, Outlook "-----Original Message-----"
case("windows_1252_text", """
MIME-Version: 1.0
Date: Thu, 26 Nov 2026 12:10:00 +0000
Message-ID: <cp1252-1@acme.example.com>
Subject: RE: Alice Martin commented on your post
From: Chloe Durand <{sender}>
To: Essaim <{to}>
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: 8bit

\x93Th\xe9\xe2tre\x94 budget: 1\xa0500 \x80 \x96 approved.

-----Original Message-----
From: Essaim <essaim@acme.example.com>
Sent: Thursday, November 26, 2026 10:02 AM
Subject: Alice Martin commented on your post

Shall we move the kick-off to Thursday?
""", "“Théâtre” budget: 1\xa0500 € – approved.")

# --- base64 body, French Outlook "-----Message d'origine-----"
case("base64_body", """
MIME-Version: 1.0
Date: Thu, 26 Nov 2026 12:20:00 +0000
Message-ID: <base64-1@acme.example.com>
Subject: RE: Alice Martin a commenté votre publication
From: Chloe Durand <{sender}>
To: Essaim <{to}>
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64

{body}
""".replace("{body}", b64("Validé ✅ — on garde jeudi.\n\n-----Message d'origine-----\nDe : Essaim\n"
                          "Envoyé : jeudi 26 novembre 2026 10:02\nObjet : Alice Martin a commenté votre publication\n\n"
                          + ORIGINAL_FR + "\n")),
    "Validé ✅ — on garde jeudi.")

# --- multipart/mixed: multipart/alternative + a PDF attachment
case("alternative_with_attachment", """
MIME-Version: 1.0
Date: Thu, 26 Nov 2026 12:30:00 +0000
Message-ID: <attach-1@mail.gmail.com>
Subject: Re: Alice Martin commented on your post
From: Chloe Durand <{sender}>
To: {to}
Content-Type: multipart/mixed; boundary="mixed-boundary-42"

--mixed-boundary-42
Content-Type: multipart/alternative; boundary="alt-boundary-42"

--alt-boundary-42
Content-Type: text/plain; charset="UTF-8"

The slides are attached.

On Thu, Nov 26, 2026 at 10:02 AM Essaim <essaim@acme.example.com> wrote:
> Shall we move the kick-off to Thursday?

--alt-boundary-42
Content-Type: text/html; charset="UTF-8"

<div dir="ltr">The slides are attached.</div>

--alt-boundary-42--

--mixed-boundary-42
Content-Type: application/pdf; name="kickoff.pdf"
Content-Disposition: attachment; filename="kickoff.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8
PC9Sb290IDEgMCBSPj4KJSVFT0YK

--mixed-boundary-42--
""", "The slides are attached.")

# --- Apple Mail on a Mac, HTML only with blockquote type=cite
case("apple_mail_html_fr", """
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable
Mime-Version: 1.0 (Mac OS X Mail 16.0)
Subject: Re: Alice Martin a =?utf-8?Q?comment=C3=A9_votre_publication?=
From: =?utf-8?Q?Chlo=C3=A9_Durand?= <{sender}>
Date: Thu, 26 Nov 2026 13:00:00 +0100
Message-Id: <mac-html-fr@acme.example.com>
To: Essaim <{to}>

<html><head><meta http-equiv=3D"content-type" content=3D"text/html; charset=3D=
utf-8"></head><body style=3D"overflow-wrap: break-word;">Oui&nbsp;!<div>Je s=
erai l=C3=A0 =C3=A0 10&nbsp;h.</div><div><br><blockquote type=3D"cite"><div>L=
e 26 nov. 2026 =C3=A0 10:02, Essaim &lt;essaim@acme.example.com&gt; a =C3=A9c=
rit&nbsp;:</div><br><div><div>Alice Martin a comment=C3=A9 votre publication =
:</div></div></blockquote></div><br></body></html>
""", "Oui !\nJe serai là à 10 h.")

# --- Bottom posting: the answer below the quote, and a Markdown block quote of the person's own
case("bottom_posting_en", """
MIME-Version: 1.0
Message-ID: <bottom-1@lists.example.org>
Date: Thu, 26 Nov 2026 13:10:00 +0100
From: Chloe Durand <{sender}>
To: {to}
Subject: Re: Alice Martin commented on your post
Content-Type: text/plain; charset=utf-8

On Thu, Nov 26, 2026 at 10:02 AM Essaim <essaim@acme.example.com> wrote:
> Shall we move the kick-off to Thursday?

Yes. As the charter says:

> Meetings start on time.

Chloe
""", "Yes. As the charter says:\n\n> Meetings start on time.\n\nChloe")
