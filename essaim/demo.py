"""The demo network: a French-English industrial company and its logistics partner.

Deterministic (random.Random(42)): the same people, communities and texts every time; only the
dates move with today's date (posts spread over the past 60 days, on working days and hours).
Everything is written through the actions.py functions, so the demo also exercises the same
rules, notifications and activity log as real use. Loaded once: the demo administrator's
account marks it as present.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from essaim.accounts import actions as accounts
from essaim.accounts.models import User
from essaim.communities import actions as communities
from essaim.communities.models import Community, JoinRequest, Role, Visibility
from essaim.core.errors import Conflict
from essaim.core.names import slugify_name
from essaim.core import jobs
from essaim.core.models import Job
from essaim.messaging import actions as messaging
from essaim.messaging.models import Conversation, Message
from essaim.notifications.actions import do_mark_read, do_set_community_level
from essaim.notifications.models import Kind, Notification
from essaim.stream import actions as stream
from essaim.stream.models import Comment, Post

DEMO_NETWORK_NAME = "Acme Industries"
DEMO_NETWORK_SLUG = "acme"
DEMO_ADMIN_EMAIL = "admin@demo.essaim.test"
DEMO_PASSWORD = "essaim-demo"
DAYS = 60

# Direct messages: (group title, or "" for one-to-one; the lines, said in turn by the participants).
DIRECT_MESSAGES = [
    ("", ["Tu as deux minutes pour relire le budget Q3 avant demain ?", "Oui, envoie-le moi.",
          "C'est dans le dossier partagé, onglet **Prévisions**. Merci !"]),
    ("Salon Lyon 2026", ["Who is at the booth on Thursday morning?", "Moi, jusqu'à 13 h.",
                         "I can take the afternoon.", "Parfait, je réserve les badges."]),
    ("", ["Could you review the onboarding checklist for the new hires?", "Sure, by Friday."]),
    ("Pilote Nord", ["Les premiers chiffres du pilote sont bons : -12 % de retards.",
                     "Great news! Shall we present them at the next steering committee?", "Oui, je prépare 3 slides."]),
    ("", ["Merci pour ton aide sur l'incident d'hier soir.", "Avec plaisir, on fait le point lundi ?"]),
]
SEED = 42

ACME = "Acme Industries"
NORD = "Nord Logistique"
ACME_DOMAIN = "demo.essaim.test"
NORD_DOMAIN = "nord-logistique.test"

# (first name, last name, department, job title, location, organization, writes in, skills)
# "fr", "en" or "both": the language of what they post.
PEOPLE = [
    ("Julien", "Moreau", "Engineering", "VP Engineering", "Paris", ACME, "fr", ["architecture", "leadership", "python"]),
    ("Sophie", "Lefèvre", "Engineering", "Staff Software Engineer", "Lyon", ACME, "fr", ["python", "django", "postgresql"]),
    ("Thomas", "Girard", "Engineering", "Backend Developer", "Lyon", ACME, "fr", ["go", "kubernetes", "api design"]),
    ("Émilie", "Rousseau", "Engineering", "Frontend Developer", "Paris", ACME, "fr", ["javascript", "accessibility", "css"]),
    ("Karim", "Benali", "Engineering", "DevOps Engineer", "Lille", ACME, "fr", ["kubernetes", "terraform", "observability"]),
    ("Olivia", "Chen", "Engineering", "Data Scientist", "Montréal", ACME, "both", ["machine learning", "python", "sql"]),
    ("Lucas", "Fontaine", "Engineering", "QA Lead", "Lyon", ACME, "fr", ["test automation", "playwright"]),
    ("Priya", "Nair", "Engineering", "Engineering Manager", "London", ACME, "en", ["agile", "mentoring", "hiring"]),
    ("Maxime", "Tremblay", "Engineering", "Mobile Developer", "Montréal", ACME, "both", ["kotlin", "swift"]),
    ("Inès", "Haddad", "Engineering", "Security Engineer", "Paris", ACME, "fr", ["security", "iso 27001", "pentesting"]),
    ("Ben", "Carter", "Engineering", "Site Reliability Engineer", "London", ACME, "en", ["linux", "incident management"]),
    ("Nicolas", "Mercier", "Sales", "Head of Sales France", "Paris", ACME, "fr", ["negotiation", "crm", "leadership"]),
    ("Camille", "Martin", "Sales", "Account Executive", "Paris", ACME, "fr", ["salesforce", "negotiation"]),
    ("Hugo", "Lambert", "Sales", "Key Account Manager", "Lyon", ACME, "fr", ["key accounts", "industry"]),
    ("Sarah", "O'Connor", "Sales", "Sales Director UK", "London", ACME, "en", ["enterprise sales", "negotiation"]),
    ("Antoine", "Roy", "Sales", "Account Manager Québec", "Montréal", ACME, "both", ["crm", "key accounts"]),
    ("Léa", "Bernard", "Sales", "Sales Operations Analyst", "Paris", ACME, "fr", ["excel", "forecasting", "salesforce"]),
    ("James", "Whitfield", "Sales", "Business Development Manager", "London", ACME, "en", ["prospecting", "partnerships"]),
    ("Manon", "Petit", "Sales", "Inside Sales Representative", "Lille", ACME, "fr", ["prospecting", "crm"]),
    ("Mathieu", "Gagnon", "Sales", "Pre-sales Engineer", "Montréal", ACME, "both", ["demos", "api design"]),
    ("Chloé", "Faure", "Sales", "Customer Success Manager", "Lyon", ACME, "fr", ["customer success", "training"]),
    ("Amélie", "Laurent", "Marketing", "Chief Marketing Officer", "Paris", ACME, "fr", ["brand", "strategy", "leadership"]),
    ("Pauline", "Chevalier", "Marketing", "Content Manager", "Paris", ACME, "fr", ["copywriting", "seo"]),
    ("Daniel", "Okafor", "Marketing", "Product Marketing Manager", "London", ACME, "en", ["positioning", "market research"]),
    ("Zoé", "Marchand", "Marketing", "Social Media Manager", "Lille", ACME, "fr", ["social media", "video"]),
    ("Raphaël", "Colin", "Marketing", "Events Manager", "Lyon", ACME, "fr", ["events", "partnerships"]),
    ("Emma", "Wilson", "Marketing", "Marketing Analyst", "London", ACME, "en", ["analytics", "sql", "excel"]),
    ("Gabrielle", "Côté", "Marketing", "Brand Designer", "Montréal", ACME, "both", ["design", "figma", "brand"]),
    ("Florian", "Blanc", "Marketing", "SEO Specialist", "Paris", ACME, "fr", ["seo", "analytics"]),
    ("Yasmine", "Belkacem", "Marketing", "Communications Officer", "Paris", ACME, "fr", ["copywriting", "press relations"]),
    ("Philippe", "Durand", "Finance", "Chief Financial Officer", "Paris", ACME, "fr", ["corporate finance", "m&a", "leadership"]),
    ("Nathalie", "Roux", "Finance", "Financial Controller", "Paris", ACME, "fr", ["controlling", "ifrs", "excel"]),
    ("Vincent", "Morel", "Finance", "Accountant", "Lille", ACME, "fr", ["accounting", "excel"]),
    ("Charlotte", "Hughes", "Finance", "FP&A Analyst", "London", ACME, "en", ["forecasting", "excel", "power bi"]),
    ("Julie", "Perrin", "Finance", "Treasury Manager", "Paris", ACME, "fr", ["treasury", "corporate finance"]),
    ("Mehdi", "Saidi", "Finance", "Procurement Officer", "Lyon", ACME, "fr", ["procurement", "negotiation"]),
    ("Isabelle", "Gauthier", "Finance", "Payroll Specialist", "Lyon", ACME, "fr", ["payroll", "accounting"]),
    ("Samuel", "Lavoie", "Finance", "Finance Manager Canada", "Montréal", ACME, "both", ["controlling", "tax"]),
    ("Valérie", "Henry", "HR", "HR Director", "Paris", ACME, "fr", ["labour law", "leadership", "coaching"]),
    ("Aurélie", "Masson", "HR", "Talent Acquisition Lead", "Lyon", ACME, "fr", ["recruiting", "employer branding"]),
    ("Kevin", "Nguyen", "HR", "HR Business Partner", "Lille", ACME, "fr", ["coaching", "labour law"]),
    ("Laura", "Bennett", "HR", "Learning & Development Manager", "London", ACME, "en", ["training", "coaching"]),
    ("Sébastien", "Garnier", "HR", "HRIS Analyst", "Paris", ACME, "fr", ["hris", "excel", "sql"]),
    ("Marie-Ève", "Bouchard", "HR", "People Partner", "Montréal", ACME, "both", ["recruiting", "onboarding"]),
    ("Élodie", "Caron", "HR", "Recruiter", "Paris", ACME, "fr", ["recruiting", "onboarding"]),
    ("François", "Lemaire", "Operations", "Chief Operating Officer", "Paris", ACME, "fr", ["operations", "lean", "leadership"]),
    ("Stéphane", "Robin", "Operations", "Plant Manager", "Lille", ACME, "fr", ["lean", "manufacturing"]),
    ("Nadia", "Fournier", "Operations", "Supply Chain Manager", "Lille", ACME, "fr", ["supply chain", "sap", "forecasting"]),
    ("Pierre", "Dupont", "Operations", "Logistics Coordinator", "Lyon", ACME, "fr", ["logistics", "sap"]),
    ("Alice", "Vincent", "Operations", "Quality Manager", "Lyon", ACME, "fr", ["iso 9001", "lean", "sustainability"]),
    ("Tom", "Harris", "Operations", "Facilities Manager", "London", ACME, "en", ["facilities", "sustainability"]),
    ("Jérôme", "Lucas", "Operations", "Maintenance Lead", "Lille", ACME, "fr", ["maintenance", "manufacturing"]),
    ("Sandrine", "Meyer", "Operations", "Health & Safety Officer", "Lille", ACME, "fr", ["health and safety", "iso 45001"]),
    ("Bruno", "Lefebvre", "Operations", "Account Director", "Lille", NORD, "fr", ["logistics", "key accounts"]),
    ("Aïcha", "Diallo", "Operations", "Transport Planner", "Lille", NORD, "fr", ["transport", "planning"]),
    ("Grégoire", "Dumont", "Operations", "Warehouse Manager", "Lille", NORD, "fr", ["warehousing", "lean"]),
    ("Lina", "Mansouri", "Operations", "Customer Service Lead", "Lille", NORD, "fr", ["customer service", "sap"]),
    ("Patrick", "Vasseur", "Operations", "Fleet Manager", "Lille", NORD, "fr", ["fleet management", "transport"]),
    ("Céline", "Delattre", "Operations", "Logistics Analyst", "Lille", NORD, "fr", ["logistics", "power bi", "sql"]),
]
ADMIN = ("Claire", "Dubois", "HR", "Internal Communications Manager", "Paris", ACME, "both",
         ["internal communication", "change management", "writing"])

PHONE_PREFIX = {"Paris": "+33 1", "Lyon": "+33 4", "Lille": "+33 3", "Montréal": "+1 514", "London": "+44 20"}

BIO = {
    "fr": ["{title} chez {org}, basé·e à {location}. N'hésitez pas à me contacter pour tout ce qui touche à {skill}.",
           "{title} à {location}. Je travaille sur {skill} et j'aime partager ce que j'apprends.",
           "Chez {org} depuis {years} ans. {title}, curieux·se et toujours partant·e pour un café."],
    "en": ["{title} at {org}, based in {location}. Happy to help with anything about {skill}.",
           "{title} in {location}. I work on {skill} and enjoy sharing what I learn.",
           "With {org} for {years} years. {title}; always up for a coffee and a good question."],
}


@dataclass
class Space:
    """A community of the demo, with who belongs to it and what gets posted in it."""

    key: str
    name: str
    visibility: str
    owner: str  # handle of the owner (derived from the e-mail address)
    description: str
    departments: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()  # handles invited besides the departments
    moderators: tuple[str, ...] = ()
    open_share: float = 0.3  # share of everyone else who joins an open community
    posts: int = 20
    members: list = field(default_factory=list)


SPACES = [
    Space("coffee", "Coffee Corner", Visibility.OPEN, "zoe.marchand",
          "Hors sujet, déjeuners, sport et photos du week-end. Off-topic chat, lunch plans, pets and weekend photos.",
          open_share=0.55, posts=30, moderators=("tom.harris",)),
    Space("engineering", "Engineering Guild", Visibility.OPEN, "julien.moreau",
          "Pratiques, outils et retours d'expérience des équipes techniques. Practices, tools and lessons learned.",
          departments=("Engineering",), open_share=0.12, posts=36, moderators=("sophie.lefevre", "priya.nair")),
    Space("sales", "Sales Floor", Visibility.OPEN, "nicolas.mercier",
          "Victoires, questions clients et outils de vente. Wins, customer questions and sales tooling.",
          departments=("Sales",), open_share=0.12, posts=30, moderators=("sarah.oconnor",)),
    Space("rse", "RSE & Climat", Visibility.OPEN, "alice.vincent",
          "Responsabilité sociétale, climat et initiatives solidaires. Sustainability, climate and volunteering.",
          open_share=0.35, posts=24, moderators=("tom.harris",)),
    Space("lyon", "Bureau de Lyon", Visibility.OPEN, "hugo.lambert",
          "La vie du site de Lyon : travaux, événements, infos pratiques.", open_share=0.05, posts=14),
    Space("montreal", "Montréal Crew", Visibility.OPEN, "marie-eve.bouchard",
          "L'équipe de Montréal. The Montréal office, in French and English.", open_share=0.05, posts=12),
    Space("orion", "Projet Orion", Visibility.PRIVATE, "amelie.laurent",
          "Lancement de la plateforme Orion : planning, messages, retours des clients pilotes.",
          extra=("julien.moreau", "sophie.lefevre", "emilie.rousseau", "daniel.okafor", "pauline.chevalier",
                 "nicolas.mercier", "mathieu.gagnon", "gabrielle.cote", "olivia.chen", "emma.wilson"),
          moderators=("daniel.okafor",), posts=22),
    Space("supply", "Supply Chain Acme × Nord Logistique", Visibility.PRIVATE, "nadia.fournier",
          "Espace partagé avec notre partenaire Nord Logistique : enlèvements, transport, entrepôt, indicateurs.",
          extra=("stephane.robin", "pierre.dupont", "francois.lemaire", "mehdi.saidi", "bruno.lefebvre",
                 "aicha.diallo", "gregoire.dumont", "lina.mansouri", "patrick.vasseur", "celine.delattre"),
          moderators=("bruno.lefebvre",), posts=22),
    Space("recruiting", "Recrutement & Onboarding", Visibility.PRIVATE, "aurelie.masson",
          "Postes ouverts, entretiens, intégration des nouveaux arrivants.",
          departments=("HR",), extra=("priya.nair", "julien.moreau", "nicolas.mercier"), posts=12),
    Space("leadership", "Leadership Team", Visibility.SECRET, "francois.lemaire",
          "Comité de direction. Confidentiel.",
          extra=("julien.moreau", "nicolas.mercier", "amelie.laurent", "philippe.durand", "valerie.henry",
                 "sarah.oconnor"), moderators=("valerie.henry",), posts=10),
    Space("falcon", "Project Falcon", Visibility.SECRET, "philippe.durand",
          "Projet d'acquisition. Strictement confidentiel. Strictly confidential.",
          extra=("nathalie.roux", "julie.perrin", "francois.lemaire", "charlotte.hughes"), posts=8),
]

CLIENTS = ["Vertex Aéro", "Brasserie du Nord", "Helios Energy", "Maison Carrel", "Northwind Rail", "Boréal Foods",
           "Kestrel Pharma", "Ateliers Vauban"]
DAYS_OF_WEEK = {"fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi"],
                "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]}

# What gets posted, per community ("all": the All company feed). Slots: {m} and {m2} mention
# someone who can read the post, {day}, {client}, {n} (a small count), {pct}, {digit}, {year}.
TEXTS = {
    "coffee": [
        ("fr", "Cherche partenaire de badminton le {day} midi, niveau débutant bienvenu 🏸 #sport"),
        ("en", "Sourdough update: {m} gave me some starter and it is still alive after a week. Bread on Friday! 🍞"),
        ("fr", "Qui veut rejoindre la chorale du midi ? On répète {day} à 12h15 en salle Mercure, {m} est au piano. #musique"),
        ("fr", "Qui est partant pour un déjeuner au nouveau resto libanais ce {day} ? On part à 12h30 de l'accueil. #dejeuner"),
        ("fr", "Le club de course reprend ! Rendez-vous {day} à 18h devant le bâtiment B, 5 km tranquilles. #running"),
        ("fr", "Quelqu'un a trouvé un parapluie noir en salle Jupiter ? C'est le mien 😅"),
        ("fr", "Des recommandations de podcasts pour les trajets en train ? J'ai tout fini. #podcasts"),
        ("fr", "La machine à café du 3e est réparée, merci {m} ☕"),
        ("fr", "Le lever de soleil depuis la terrasse du 6e ce matin… ça vaut le coup de venir tôt !"),
        ("fr", "Afterwork {day} soir au bar d'en face, tout le monde est bienvenu. #afterwork"),
        ("fr", "Quelqu'un pour un covoiturage depuis Villeurbanne ? Je passe par le périph vers 8h15. #mobilite"),
        ("fr", "Concours de gâteaux {day} : {m} remet son titre en jeu 🍰 Inscriptions en commentaire !"),
        ("en", "Book club: this month we're reading *Klara and the Sun*. We meet {day} at lunch, room Saturn. #bookclub"),
        ("en", "Who else is doing the charity 10k in May? We could run as a team. #running"),
        ("en", "Lost: a blue water bottle covered in stickers, last seen in the 2nd floor kitchen."),
        ("en", "The new coffee beans are in, and they are good. Thanks {m} for sorting that out ☕"),
        ("en", "Pub quiz {day} evening: we need two more people for our team. Any trivia experts? #afterwork"),
        ("en", "My dog insisted on joining today's video call. Apologies to everyone in the budget review 🐶"),
    ],
    "engineering": [
        ("fr", "Astreinte : à partir de {day}, {m} et {m2} se partagent la semaine. Le runbook est à jour. #incident"),
        ("en", "RFC: moving our feature flags to a single service. Comments welcome until {day}, {m} is the reviewer. #architecture"),
        ("fr", "Les logs applicatifs sont maintenant centralisés, merci {m} ! Tableau de bord dans Grafana. #observability"),
        ("en", "Heads-up: {n} flaky tests quarantined this week. {m} is tracking them, please don't re-enable without a fix. #testing"),
        ("fr", "La migration vers PostgreSQL 16 est terminée en recette. Merci {m} pour les scripts ! Mise en production prévue {day}. #postgresql #release"),
        ("fr", "Retour sur l'incident de mardi : le cache n'était pas invalidé après le déploiement. Le post-mortem est sur le wiki, on en parle en revue {day}. #incident"),
        ("fr", "Qui a de l'expérience avec les tests de charge sur Kubernetes ? On veut dimensionner le cluster avant le lancement. {m}, une idée ? #kubernetes"),
        ("fr", "Rappel : revue de code obligatoire pour tout ce qui touche à l'authentification. Merci de taguer {m} ou moi. #security"),
        ("fr", "Nouveau guide d'accessibilité publié : contrastes, navigation au clavier, libellés des formulaires. Vos retours sont bienvenus. #accessibility"),
        ("fr", "Le pipeline CI passe de 18 à 7 minutes grâce au cache des dépendances. Bravo {m} 🚀 #ci"),
        ("fr", "Atelier Python pour débutants {day} à 14h, salle Jupiter et en visio. Aucun prérequis. #python"),
        ("fr", "Quelqu'un sait pourquoi les tests d'intégration échouent seulement le lundi matin ? {m} soupçonne un fuseau horaire. #testing"),
        ("en", "We're retiring API v0 at the end of the quarter. If your integration still uses it, ping {m} and we'll help you migrate. #api"),
        ("en", "Lunch & learn {day}: {m} walks us through how we cut page load time by 40%. Bring your questions. #performance"),
        ("en", "Quick poll: tabs or spaces? Just kidding. But please run the formatter before pushing 😉 #python"),
        ("en", "Dependency audit done: {n} packages updated, two of them with security fixes. Details in the release notes. #security #release"),
        ("en", "Looking for volunteers to mentor our two summer interns. A couple of hours a week, very rewarding. #mentoring"),
        ("en", "The staging cluster will be down {day} from 7 to 9 pm for the Kubernetes upgrade. #kubernetes"),
        ("en", "Has anyone used Playwright for end-to-end tests on the customer portal? We're thinking of moving off Selenium. #testing"),
    ],
    "sales": [
        ("fr", "Webinaire client {day} à 11h sur la maintenance prédictive : {n} inscrits pour l'instant. Partagez le lien ! #events"),
        ("en", "Competitive intel: a rival is discounting heavily in the Nordics. {m}, shall we align on a response {day}? #sales"),
        ("fr", "{client} nous demande une démo sur site {day}. {m}, tu es disponible ? #customers"),
        ("fr", "Signature ce matin avec {client} : contrat de 3 ans 🎉 Merci {m} pour le support avant-vente ! #customers #win"),
        ("fr", "Objectif du trimestre atteint à {pct} % avec encore trois semaines devant nous. Continuez comme ça ! #forecast"),
        ("fr", "Quelqu'un a une référence client dans l'agroalimentaire pour un appel d'offres ? Réponse attendue {day}. #customers"),
        ("fr", "Nouveau support de présentation disponible avec les tarifs {year}. Merci de ne plus utiliser l'ancien. #sales"),
        ("fr", "Salon Industrie Lyon : {n} contacts qualifiés ! Je répartis les leads par région demain. #events"),
        ("fr", "Retour terrain : les clients demandent de plus en plus le suivi carbone des livraisons. {m}, on peut en parler ? #rse"),
        ("fr", "Rendez-vous chez {client} {day} avec {m}. Si vous avez des infos sur leur nouveau directeur achats, je prends ! #customers"),
        ("en", "Closed the {client} renewal, with a 15% upsell on support. Big thanks to {m} for the demo. #win #customers"),
        ("en", "Pipeline review moved to {day} 10 am. Please update your opportunities before then. #forecast"),
        ("en", "Has anyone visited the {client} offices recently? I'm there next week and would love some context. #customers"),
        ("en", "Great call with a prospect in Manchester today: they found us through our sustainability report. #rse"),
        ("en", "Reminder: discounts above 20% need approval from {m}. #sales"),
    ],
    "rse": [
        ("fr", "Défi mobilité du mois : {n} collègues sont venus à vélo au moins trois fois par semaine. Bravo ! #mobilite"),
        ("en", "We are collecting old laptops and phones for refurbishment until {day}. Drop them with {m}. #solidarite"),
        ("fr", "Bilan carbone {year} publié : -12 % d'émissions sur le transport grâce au report modal avec Nord Logistique. #climat #rse"),
        ("fr", "Collecte de vêtements pour l'association du quartier jusqu'à {day}, carton à l'accueil. #solidarite"),
        ("fr", "Le potager sur le toit de Lyon a donné ses premières tomates 🍅 Merci {m} pour l'arrosage pendant les congés !"),
        ("fr", "Nouveau : 8 bornes de recharge sur le parking de Lille. Réservation via l'appli interne. #mobilite"),
        ("fr", "Fresque du Climat {day} de 9h à 12h, encore {n} places. Inscrivez-vous en commentaire ! #climat"),
        ("fr", "Idée : supprimer les gobelets jetables dans toutes les cuisines d'ici la fin de l'année. Qui veut piloter le test avec {m} ? #ideas #rse"),
        ("en", "The London office moved to a 100% renewable electricity contract this month. #climate #rse"),
        ("en", "Cycle to work scheme: applications are open until {day}. Ask {m} for the details. #mobilite"),
        ("en", "Volunteering day: {n} of us planted trees near Lille last Saturday. Photos coming soon! #solidarite"),
        ("en", "Our supplier code of conduct is up for review. Comments welcome until {day}, especially from procurement, {m}. #rse"),
    ],
    "lyon": [
        ("fr", "Le parking visiteurs sera fermé {day} pour nettoyage. Merci de prévenir vos invités ! #lyon"),
        ("fr", "{m} organise une visite de l'atelier de production {day} à 10h, 12 places. #lyon"),
        ("fr", "Travaux au 2e étage à partir de {day} : les salles Rhône et Saône sont indisponibles pendant deux semaines. #lyon"),
        ("fr", "Petit-déjeuner d'équipe {day} à 9h à la cafétéria, croissants offerts 🥐 #lyon"),
        ("fr", "Grève des transports annoncée {day} : pensez au télétravail si besoin. #teletravail"),
        ("fr", "Bienvenue à {m} qui rejoint le site de Lyon cette semaine ! #welcome"),
        ("fr", "Qui a les clés de la salle de sport ? Le badge ne fonctionne plus depuis ce matin."),
        ("fr", "Fête des Lumières : on organise une balade {day} soir, départ 19h devant le bureau. #lyon"),
    ],
    "montreal": [
        ("en", "Lunch {day}: poutine at the place across the street, {m} is booking a table. #montreal"),
        ("fr", "Le bureau ferme à 15h {day} à cause de la tempête annoncée, rentrez prudemment ❄️ #montreal"),
        ("fr", "Première neige à Montréal ce matin ❄️ Pensez aux pneus d'hiver ! #montreal"),
        ("fr", "5 à 7 {day} au Vieux-Port, toute l'équipe est invitée. #afterwork"),
        ("en", "Welcome to {m}, who joins the Montréal team today! #welcome"),
        ("en", "Reminder: the office is closed on Monday for the long weekend. #montreal"),
        ("fr", "On cherche des volontaires pour organiser la sortie à la cabane à sucre en avril 🍁"),
    ],
    "orion": [
        ("en", "Beta metrics: {n} active pilot accounts and a weekly retention of {pct}%. {m}, can you add this to the deck? #orion"),
        ("fr", "La vidéo de démo est validée ! Merci {m} pour le montage. #orion"),
        ("fr", "Point d'avancement Orion : la bêta est ouverte à {n} clients pilotes. Prochaine étape : tarifs définitifs {day}. #orion"),
        ("fr", "Les maquettes de la page produit sont prêtes, merci de commenter avant {day}. {m}, tu peux valider les textes ? #orion"),
        ("fr", "Date de lancement confirmée : le 3 octobre. On garde le secret jusqu'à l'annonce officielle 🤫 #orion"),
        ("fr", "Question pour {m} : la traduction allemande sera-t-elle prête pour le salon de Hanovre ? #orion"),
        ("fr", "Démo Orion chez {client} {day} : {m} et moi y allons, vos questions pièges sont les bienvenues. #orion #customers"),
        ("en", "Orion launch checklist updated: press kit, demo video, pricing page. Owners are assigned, please check your items. #orion"),
        ("en", "Pilot customers love the onboarding, less so the reporting. {m} is looking into it. #orion #feedback"),
        ("en", "Draft press release is in the shared folder. Comments by {day} please, {m}. #orion"),
        ("en", "Pricing workshop {day} at 2 pm: {m}, can you bring the competitor benchmark? #orion"),
    ],
    "supply": [
        ("fr", "Audit sécurité de l'entrepôt {day} avec {m} : merci de dégager les allées de circulation. #securite #entrepot"),
        ("en", "Fuel surcharge update for next month attached. {m}, can you check it against the contract? #transport"),
        ("fr", "Planning des enlèvements de la semaine prochaine envoyé. {m}, pouvez-vous confirmer le créneau de {day} ? #supplychain"),
        ("fr", "Retard de {n} heures sur la tournée Lille–Lyon à cause de la neige, livraison décalée à demain matin. #transport"),
        ("fr", "Inventaire tournant terminé à l'entrepôt de Roubaix : écart de 0,3 %, très bon résultat. Merci {m} ! #entrepot"),
        ("fr", "Nouveau transporteur pour la Belgique à partir du mois prochain. Réunion de lancement {day} à 10h. #supplychain"),
        ("fr", "Rappel : les palettes doivent être filmées et étiquetées avant 16h pour l'enlèvement du jour. #entrepot"),
        ("fr", "Pic de commandes attendu avec le lancement chez {client} : {m}, peut-on prévoir deux camions de plus {day} ? #transport"),
        ("fr", "Le nouveau tableau de bord des délais est en ligne, merci {m} pour les requêtes SQL. #kpi"),
        ("en", "On-time delivery last month: 97.{digit}%, our best result since we started working together! #supplychain #kpi"),
        ("en", "Could we move the quarterly business review to {day}? {m} is travelling that week. #supplychain"),
    ],
    "recruiting": [
        ("fr", "Journée d'intégration {day} : {n} nouveaux arrivants, visite du site de Lille l'après-midi. {m} anime. #onboarding"),
        ("fr", "Trois postes ouverts en Ingénierie à Lyon : développeur backend, QA, DevOps. Les cooptations sont bienvenues ! #recrutement"),
        ("fr", "Parcours d'intégration mis à jour : le parrain ou la marraine est désormais désigné une semaine avant l'arrivée. #onboarding"),
        ("fr", "{m}, peux-tu faire passer l'entretien technique {day} à 15h ? #recrutement"),
        ("fr", "Forum écoles à l'INSA {day} : on cherche deux ambassadeurs pour tenir le stand. #recrutement"),
        ("en", "New joiners this month: {n}. Welcome packs are ready at reception. #onboarding"),
        ("en", "Interview feedback goes into the applicant tracking system within 24 hours, please. Candidates notice when we are slow. #recrutement"),
    ],
    "leadership": [
        ("fr", "Ordre du jour du comité de direction de {day} : budget {year}, plan de recrutement, point Orion. #codir"),
        ("fr", "Projet de réorganisation des équipes commerciales à discuter en toute confidentialité. Document de travail préparé par {m}. #codir"),
        ("fr", "Résultats du baromètre social : engagement en hausse de 6 points. Présentation aux équipes {day}. #codir"),
        ("en", "Board meeting prep: please send your slides to {m} by {day}. #board"),
        ("en", "Quarterly numbers are in: revenue up {n}% year on year, margin stable. Let's discuss the hiring plan on {day}. #budget"),
    ],
    "falcon": [
        ("fr", "Due diligence Falcon : l'audit financier est terminé, aucun point bloquant. #falcon"),
        ("fr", "Rappel : rien sur Falcon en dehors de cette communauté, y compris dans les e-mails. #falcon"),
        ("en", "Falcon: legal needs the signed NDA back by {day}. {m} is coordinating. #falcon"),
        ("en", "Valuation model v3 uploaded, with the sensitivity analysis on the last tab. #falcon"),
    ],
    "all": [
        ("fr", "Le restaurant d'entreprise de Paris propose un menu végétarien tous les {day}. Vos avis sont bienvenus ! #rse"),
        ("en", "The London office has a new quiet room on the 3rd floor. Book it like any meeting room. #it"),
        ("fr", "Exercice d'évacuation {day} à 10h30 sur tous les sites français. {m} coordonne. #securite"),
        ("en", "Our customer satisfaction score reached {score}% this quarter, the highest ever. Thank you all! #customers"),
        ("fr", "Collecte de jouets pour Noël : boîtes à l'accueil jusqu'à {day}. Merci {m} pour l'idée ! #solidarite"),
        ("en", "Who is going to the industry fair in Birmingham? {m} is organising shared transport. #events"),
        ("fr", "Qui connaît bien Power Query dans Excel ? J'ai besoin d'aide pour consolider les fichiers des sites. #entraide"),
        ("fr", "Le nouveau portail RH est en ligne : congés, notes de frais et fiches de paie au même endroit. #rh"),
        ("fr", "Merci à toutes les équipes pour la visite de {client} hier, retours excellents ! #customers"),
        ("fr", "Formation sécurité incendie obligatoire : sessions {day} à 10h et à 14h. #securite"),
        ("fr", "On cherche des volontaires pour tester le nouvel intranet : 30 minutes de votre temps, {m} vous contactera. #ideas"),
        ("fr", "Quelqu'un a un adaptateur HDMI vers USB-C à prêter pour la réunion de 14h ? 🙏 #entraide"),
        ("fr", "Bravo à {m} et {m2} pour le prix de l'innovation industrielle remis hier soir ! 🏆 #kudos"),
        ("fr", "Conseil : suivez des sujets comme #rse ou #securite pour voir les publications associées dans votre fil."),
        ("en", "Does anyone have experience with supplier audits in Poland? We may need help next month. #entraide"),
        ("en", "Reminder: the IT helpdesk moves to the ground floor on {day}. #it"),
        ("en", "Shout-out to {m} for staying late on Friday to fix the customer portal. Hero! #kudos"),
        ("en", "We just passed {n} active groups of colleagues helping each other here. Thanks for making it lively!"),
        ("en", "Lunch & learn on negotiation skills {day}, open to everyone, not just sales. Hosted by {m}. #learning"),
        ("en", "Tip: type @ and a few letters to mention a colleague; they get a notification. #tips"),
    ],
}

PROFILE_TEXTS = [
    ("fr", "Bienvenue dans l'équipe {m} ! Ravi·e de travailler avec toi. #welcome"),
    ("fr", "Merci {m} pour ton aide sur le dossier {client}, c'était précieux !"),
    ("fr", "Joyeux anniversaire d'entreprise {m} : déjà {years} ans 🎉"),
    ("en", "Happy work anniversary {m}! {years} years already 🎉"),
    ("en", "Thanks {m} for the great onboarding session today!"),
    ("en", "Welcome aboard {m}! Let me know if you want a tour of the London office. #welcome"),
]

# Recent posts that involve the administrator, so that the demo starts with unread notifications.
RECENT = [
    (1.6, "fr", "Merci {admin} pour l'organisation du séminaire, c'était parfait ! #seminaire"),
    (0.9, "en", "Question for {admin}: could we get a community for the Lille plant? Happy to moderate it. #ideas"),
    (0.3, "fr", "{admin}, est-ce que la nouvelle politique de télétravail s'applique aussi aux alternants ? #teletravail"),
]

ANNOUNCEMENTS = [
    (59, "**Bienvenue sur Essaim !** Rejoignez les communautés de vos équipes, suivez des sujets comme #rse ou "
         "#securite, et mentionnez vos collègues avec @.\n\n"
         "**Welcome to Essaim!** Join your teams' communities, follow topics and mention colleagues with @. "
         "Questions? Ask {m}. #welcome"),
    (33, "Séminaire annuel le 12 juin à Lyon : programme et inscriptions dans la communauté Bureau de Lyon.\n\n"
         "Our annual offsite takes place in Lyon on 12 June: agenda and sign-up in the Lyon office community. "
         "#seminaire"),
    (4, "**Nouvelle politique de télétravail** : jusqu'à 3 jours par semaine à partir du 1er du mois prochain. "
        "La FAQ est sur le portail RH, {m} répond à vos questions.\n\n"
        "**New remote work policy**: up to 3 days a week from the 1st of next month. FAQ on the HR portal. "
        "#teletravail"),
]

COMMUNITY_ANNOUNCEMENTS = {
    "engineering": (12, "**Engineering all-hands** {day} at 4 pm in the auditorium and online: roadmap, on-call "
                        "changes, Q&A. Please send your questions to {m} beforehand. #allhands"),
    "supply": (20, "**Nouveau process** : toutes les demandes d'enlèvement passent désormais par le portail Nord "
                   "Logistique, plus par e-mail. Merci ! #supplychain"),
}

COMMENTS = {
    "fr": ["Bravo à toute l'équipe ! 🎉", "Merci pour le partage {m} !", "Je suis partant·e.",
           "Tu peux partager le support ?", "+1, ça nous ferait gagner un temps fou.",
           "Je peux aider la semaine prochaine.", "Intéressant. Quelle évolution par rapport au trimestre dernier ?",
           "J'ajoute {m}, qui a travaillé sur un sujet proche.", "C'est fait ✅", "Super boulot !",
           "On en parle au point de jeudi ?", "Je regarde ça cet après-midi.", "Très bonne idée 👍",
           "Où peut-on s'inscrire ?", "La session sera-t-elle enregistrée pour l'équipe de Montréal ?",
           "Je confirme, c'est noté de mon côté.", "Attention au calendrier, c'est la semaine de clôture.",
           "Génial, merci d'avoir pris le temps de l'écrire."],
    "en": ["Great news, congrats to the whole team! 🎉", "Thanks for sharing, {m}.", "Count me in.",
           "Do you have the slides somewhere?", "+1, this would save us a lot of time.",
           "I can help with that next week.", "Interesting. How does this compare with last quarter?",
           "Looping in {m}, who worked on something similar.", "Done ✅", "Nice work!",
           "Could we discuss this at Thursday's stand-up?", "I'll take a look this afternoon.", "Love this idea.",
           "Where can I sign up?", "Any chance the session gets recorded for the Montréal team?",
           "Confirmed on my side.", "Careful with the timing, it's month-end closing week.",
           "Really useful, thanks for writing it up."],
}
REPLIES = {
    "fr": ["Merci {m} !", "Bonne remarque, je l'ajoute.", "Oui, je l'envoie après la réunion.", "D'accord avec toi.",
           "Ça marche, on fait comme ça.", "Je te réponds en privé {m}."],
    "en": ["Thanks {m}!", "Good point, I'll add it.", "Yes, I'll send it after the meeting.", "Agreed.",
           "Sure, let's do that.", "I'll follow up with you directly, {m}."],
}
EDIT_NOTES = {"fr": "\n\n**Mise à jour :** la salle a changé, voir l'invitation.",
              "en": "\n\n**Update:** the room has changed, see the calendar invitation."}

REQUEST_MESSAGES = ["Bonjour, je travaille sur un sujet proche, puis-je rejoindre la communauté ?",
                    "Hi! I'd like to follow this project, I may be able to help.",
                    "Je remplace un collègue pendant ses congés, merci !"]

TOPIC_INTERESTS = {
    "Engineering": ["security", "python", "kubernetes", "release", "accessibility", "testing"],
    "Sales": ["customers", "win", "forecast", "orion", "events"],
    "Marketing": ["orion", "events", "customers", "rse", "seminaire"],
    "Finance": ["budget", "forecast", "rse", "it"],
    "HR": ["recrutement", "onboarding", "welcome", "teletravail", "rh"],
    "Operations": ["supplychain", "securite", "rse", "transport", "kpi"],
}
REACTION_WEIGHTS = [("like", 55), ("celebrate", 15), ("insightful", 14), ("support", 10), ("funny", 6)]


# Questions and answers: (key, space, asker, days ago, title, body, topics, answers, accepted answer index,
# duplicate of key). Each answer: (author, hours after the question, body, voters up, voters down).
QUESTIONS = [
    ("staging", "engineering", "julien.moreau", 9.2, "How do I get read access to the staging database?",
     "I need to check a migration against realistic data. Who grants access, and is there a form?",
     ["staging", "access"],
     [("hugo.lambert", 2, "Open a ticket in the **IT portal** (category *Databases*), your manager approves "
       "it and you get a read-only account within a day.", ["alice.vincent", "zoe.marchand", "nicolas.mercier"], []),
      ("alice.vincent", 5, "Ask in #staging first: someone may already have the dump you need.", ["zoe.marchand"],
       ["nicolas.mercier"])], 0, None),
    ("salle", "coffee", "zoe.marchand", 6.4, "Comment réserver la grande salle du 3e étage ?",
     "Pour un atelier de 20 personnes jeudi prochain. L'outil de réservation ne la propose pas.",
     ["salles"],
     [("marie-eve.bouchard", 1, "Elle se réserve auprès de l'accueil par courriel, pas dans l'outil : "
       "écris à l'accueil avec la date et le nombre de personnes.", ["hugo.lambert", "julien.moreau"], []),
      ("nicolas.mercier", 3, "Pense aussi à demander le kit visio, il n'est pas installé par défaut.",
       ["julien.moreau"], [])], 0, None),
    ("train", "rse", "alice.vincent", 4.1, "Which train operators count for the travel carbon report?",
     "Do regional trains count the same as high-speed ones in the quarterly report?", ["climat", "travel"],
     [("julien.moreau", 6, "All rail counts with the same factor in our report; only the distance matters.",
       ["zoe.marchand"], [])], None, None),
    ("modele", "sales", "nicolas.mercier", 1.3, "Où trouver le modèle de proposition commerciale 2025 ?",
     "L'ancien lien du wiki ne fonctionne plus. Quelqu'un a la nouvelle version ?", ["ventes"], [], None, None),
    ("salle-bis", "lyon", "hugo.lambert", 2.2, "Comment réserver une salle de réunion pour 20 personnes ?",
     "Question pour un atelier la semaine prochaine.", ["salles"], [], None, "salle"),
]


def is_loaded(network) -> bool:
    return User.objects.filter(network=network, email__iexact=DEMO_ADMIN_EMAIL).exists()


def handle_for(first: str, last: str) -> str:
    """'Marie-Ève', 'Bouchard' -> 'marie-eve.bouchard'; "O'Connor" -> 'oconnor'."""
    return f"{slugify_name(first.replace(chr(39), ''))}.{slugify_name(last.replace(chr(39), ''))}"


def email_for(first: str, last: str, organization: str) -> str:
    return f"{handle_for(first, last)}@{NORD_DOMAIN if organization == NORD else ACME_DOMAIN}"


class _Loader:
    def __init__(self, network):
        self.network = network
        self.rng = random.Random(SEED)
        self.clock = random.Random(SEED + 1)
        self.now = timezone.now().replace(second=0, microsecond=0)
        self.people: dict[str, User] = {}  # key: first.last as in SPACES (the handle, unless it was taken)
        self.key_of: dict[int, str] = {}
        self.lang: dict[int, str] = {}
        self.dept: dict[int, str] = {}
        self.admin: User | None = None
        self.spaces: dict[str, tuple[Space, Community]] = {}
        self.readers: dict[str | None, list[User]] = {}
        self.counts = {"people": 0, "communities": 0, "posts": 0, "comments": 0, "reactions": 0, "messages": 0}

    # -- people

    def _create_person(self, spec, *, email: str, is_admin: bool = False) -> User:
        first, last, department, title, location, organization, lang, skills = spec
        rng = self.rng
        bio = rng.choice(BIO["en" if lang == "en" else "fr"]).format(
            title=title, org=organization, location=location, skill=skills[0], years=rng.randint(2, 15))
        phone = " ".join([PHONE_PREFIX[location], *(str(rng.randint(10, 99)) for _ in range(4))])
        profile = {"job_title": title, "department": department, "organization": organization,
                   "location": location, "phone": phone, "bio": bio, "skills": skills}
        handle = handle_for(first, last)
        try:
            user = accounts.do_create_user(self.network, email=email, display_name=f"{first} {last}",
                                           password=DEMO_PASSWORD, is_admin=is_admin, handle=handle, **profile)
        except Conflict:  # the handle is taken in this network: take a free variant
            user = accounts.do_create_user(self.network, email=email, display_name=f"{first} {last}",
                                           password=DEMO_PASSWORD, is_admin=is_admin, **profile)
        self.people[handle] = user
        self.key_of[user.id] = handle
        self.lang[user.id] = lang
        self.dept[user.id] = department
        self.counts["people"] += 1
        return user

    def create_people(self) -> None:
        self.admin = self._create_person(ADMIN, email=DEMO_ADMIN_EMAIL, is_admin=True)
        for spec in PEOPLE:
            self._create_person(spec, email=email_for(spec[0], spec[1], spec[5]))

    def person(self, key: str) -> User:
        return self.people[key]

    def staff(self) -> list[User]:
        """Acme employees (the partner's people only take part in the shared community)."""
        return [u for u in self.people.values() if not u.email.endswith("@" + NORD_DOMAIN)]

    # -- communities

    def create_communities(self) -> None:
        rng = self.rng
        for space in SPACES:
            owner = self.person(space.owner)
            community = communities.do_create_community(owner, name=space.name, description=space.description,
                                                        visibility=space.visibility)
            self.counts["communities"] += 1
            members = {owner.id: owner}
            wanted = [self.person(k) for k in space.moderators + space.extra]
            wanted += [u for u in self.staff() if self.dept[u.id] in space.departments]
            if space.key == "lyon":
                wanted += [u for u in self.staff() if u.location == "Lyon"]
            if space.key == "montreal":
                wanted += [u for u in self.staff() if u.location == "Montréal"]
            if space.visibility == Visibility.OPEN:
                wanted += [u for u in self.staff() if rng.random() < space.open_share]
            for user in wanted:
                if user.id in members:
                    continue
                role = Role.MODERATOR if self.key_of[user.id] in space.moderators else Role.MEMBER
                if space.visibility == Visibility.OPEN and role == Role.MEMBER:
                    communities.do_join_community(user, community)
                else:
                    communities.do_add_member(community, user, role=role, acting_user=owner)
                members[user.id] = user
            space.members = list(members.values())
            self.spaces[space.key] = (space, community)
            self.readers[space.key] = space.members
        self.readers["all"] = list(self.people.values())
        self._join_requests()

    def _join_requests(self) -> None:
        """Private communities: some asked to join; one approved, one denied, the rest still waiting."""
        rng = self.rng
        for key, decisions in (("orion", ["approve", "deny", None, None]), ("recruiting", [None, None]),
                               ("supply", ["approve", None])):
            space, community = self.spaces[key]
            member_ids = {u.id for u in space.members}
            candidates = [u for u in self.staff() if u.id not in member_ids and u.id != self.admin.id]
            for decision, user in zip(decisions, rng.sample(candidates, len(decisions)), strict=True):
                request = communities.do_join_community(user, community, message=rng.choice(REQUEST_MESSAGES))
                if decision is not None:
                    owner = self.person(space.owner)
                    communities.do_decide_request(request, approve=decision == "approve", acting_user=owner)
                    if decision == "approve":
                        space.members.append(user)

    # -- follows

    def create_follows(self) -> None:
        rng = self.rng
        everyone = list(self.people.values())
        for user in everyone:
            colleagues = [u for u in everyone if u.id != user.id and self.dept[u.id] == self.dept[user.id]]
            others = [u for u in everyone if u.id != user.id and self.dept[u.id] != self.dept[user.id]]
            chosen = rng.sample(colleagues, min(len(colleagues), rng.randint(2, 6)))
            chosen += rng.sample(others, rng.randint(1, 5))
            if user.id != self.admin.id and rng.random() < 0.5:
                chosen.append(self.admin)
            for followee in chosen:
                accounts.do_follow_user(user, followee)
            for topic in rng.sample(TOPIC_INTERESTS[self.dept[user.id]], rng.randint(1, 3)):
                stream.do_follow_topic(user, topic)

    # -- content

    def _when(self, days_ago_max: float = DAYS, days_ago_min: float = 0.0) -> datetime:
        """A working day and hour in the window, never in the future. Dates have their own random
        source: how many draws it takes depends on today's weekday, and must not change the content."""
        clock = self.clock
        for _attempt in range(20):
            moment = self.now - timedelta(days=clock.uniform(days_ago_min, days_ago_max))
            if moment.weekday() < 5 or clock.random() < 0.1:
                break
        moment = moment.replace(hour=clock.randint(7, 18), minute=clock.randint(0, 59))
        return min(moment, self.now - timedelta(minutes=clock.randint(5, 90)))

    def _fill(self, rng: random.Random, template: str, lang: str, author: User, audience: list[User],
              **extra) -> str:
        others = [u for u in audience if u.id != author.id and u.is_active] or [self.admin]
        first, second = rng.sample(others, 2) if len(others) > 1 else (others[0], others[0])
        values = {"m": f"@{first.handle}", "m2": f"@{second.handle}",
                  "day": rng.choice(DAYS_OF_WEEK["en" if lang == "en" else "fr"]), "client": rng.choice(CLIENTS),
                  "n": rng.randint(3, 40), "pct": rng.randint(82, 126), "score": rng.randint(78, 92),
                  "digit": rng.randint(0, 9), "year": self.now.year, "years": rng.randint(2, 20),
                  "admin": f"@{self.admin.handle}"}
        values.update(extra)
        return template.format(**values)

    def _author_for(self, rng: random.Random, lang: str, audience: list[User]) -> User:
        fitting = [u for u in audience if self.lang[u.id] in (lang, "both")]
        return rng.choice(fitting or audience)

    def plan_posts(self) -> list[dict]:
        """Every post to write. Each gets its own random source (from its place in this list), so
        what it says and who answers do not depend on the order posts are written in."""
        rng = self.rng
        plans = []
        for key, texts in TEXTS.items():
            count = 45 if key == "all" else self.spaces[key][0].posts
            # Each text once, in a random order; texts with slots (a mention, a day...) come back
            # once more, filled differently.
            order = rng.sample(texts, len(texts))
            variable = [t for t in texts if "{" in t[1]]
            order += rng.sample(variable, len(variable))
            plans += [{"key": key, "lang": lang, "template": template} for lang, template in order[:count]]
        for _ in range(30):
            lang, template = rng.choice(PROFILE_TEXTS)
            plans.append({"key": "profile", "lang": lang, "template": template})
        for plan in plans:
            plan["at"] = self._when()
        for days_ago, lang, template in RECENT:
            plans.append({"key": "all", "lang": lang, "template": template, "at": self._when(days_ago + 0.2, days_ago)})
        for days_ago, template in ANNOUNCEMENTS:
            plans.append({"key": "all", "lang": "both", "template": template, "announce": True,
                          "at": self._when(days_ago + 0.5, days_ago)})
        for key, (days_ago, template) in COMMUNITY_ANNOUNCEMENTS.items():
            plans.append({"key": key, "lang": "both", "template": template, "announce": True,
                          "at": self._when(days_ago + 0.5, days_ago)})
        for index, plan in enumerate(plans):
            plan["rng"] = random.Random(SEED * 100_000 + index)
        return plans

    def create_posts(self) -> list[tuple[Post, list[User], str, random.Random]]:
        """Posts are written oldest first, so that ids follow time."""
        plans = self.plan_posts()
        written = {}
        for index, plan in sorted(enumerate(plans), key=lambda item: item[1]["at"]):
            key, lang, rng = plan["key"], plan["lang"], plan["rng"]
            community = None
            profile_user = None
            if plan.get("announce"):
                if key == "all":
                    author, audience = self.admin, self.readers["all"]
                else:
                    space, community = self.spaces[key]
                    author, audience = self.person(space.owner), space.members
            elif key == "profile":
                audience = self.staff()
                profile_user = rng.choice(audience)
                author = self._author_for(rng, lang, [u for u in audience if u.id != profile_user.id])
            elif key == "all":
                audience = self.readers["all"]
                author = self._author_for(rng, lang, self.staff())
            else:
                space, community = self.spaces[key]
                audience = space.members
                author = self._author_for(rng, lang, audience)
            extra = {"m": f"@{profile_user.handle}"} if profile_user is not None else {}
            body = self._fill(rng, plan["template"], lang, author, audience, **extra)
            post = stream.do_create_post(author, body, community=community, profile_user=profile_user,
                                         announcement=bool(plan.get("announce")), created_at=plan["at"])
            self.counts["posts"] += 1
            written[index] = (post, audience, lang if lang != "both" else self.lang[author.id], rng)
        in_plan_order = [written[i] for i in range(len(plans))]
        self._edit_and_unpin(in_plan_order)
        return in_plan_order

    def _edit_and_unpin(self, written) -> None:
        """A few posts were edited afterwards (their earlier version is kept); only the latest
        network-wide announcement stays pinned."""
        plain = [(p, lang) for p, _audience, lang, _rng in written if not p.announcement]
        for post, lang in self.rng.sample(plain, 6):
            stream.do_edit_post(post, post.body + EDIT_NOTES["en" if lang == "en" else "fr"], acting_user=post.author)
        network_wide = sorted((p for p, _a, _l, _r in written if p.announcement and p.community_id is None),
                              key=lambda p: p.created_at)
        for post in network_wide[:-1]:
            stream.do_set_pinned(post, False, acting_user=self.admin)

    def create_conversations(self, written) -> None:
        kinds = [k for k, _w in REACTION_WEIGHTS]
        weights = [w for _k, w in REACTION_WEIGHTS]
        for post, audience, lang, rng in written:
            readers = [u for u in audience if u.id != post.author_id]
            if not readers:
                continue
            lang = "en" if lang == "en" else "fr"
            moment = post.created_at
            thread: list[Comment] = []
            for _ in range(min(len(readers), rng.choice([0, 0, 1, 1, 2, 2, 3, 4, 5]))):
                # Later than what came before, never in the future (recent posts get quick answers).
                step, share = timedelta(minutes=rng.randint(4, 60 * 20)), rng.uniform(0.2, 0.6)
                moment += min(step, (self.now - moment) * share)
                if thread and rng.random() < 0.35:
                    parent = rng.choice(thread)
                    # Often the post's author answers; otherwise a colleague does.
                    replier = post.author if rng.random() < 0.5 else rng.choice(readers)
                    if replier.id == parent.author_id:
                        replier = post.author
                    body = rng.choice(REPLIES[lang]).format(m=f"@{parent.author.handle}")
                    stream.do_create_comment(post, replier, body, parent=parent, created_at=moment)
                else:
                    commenter = rng.choice(readers)
                    body = self._fill(rng, rng.choice(COMMENTS[lang]), lang, commenter, audience)
                    thread.append(stream.do_create_comment(post, commenter, body, created_at=moment))
                self.counts["comments"] += 1
            for reactor in rng.sample(readers, min(len(readers), rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 11]))):
                if stream.do_add_reaction(reactor, rng.choices(kinds, weights)[0], post=post):
                    self.counts["reactions"] += 1
            for comment in thread:
                if rng.random() < 0.3:
                    reactor = rng.choice([u for u in audience if u.id != comment.author_id] or readers)
                    if stream.do_add_reaction(reactor, "like", comment=comment):
                        self.counts["reactions"] += 1

    def create_questions(self) -> None:
        """A few questions in French and English: answered and accepted, answered only, unanswered,
        and a duplicate; with votes and notifications, like real use."""
        from essaim.questions import actions as questions

        made = {}
        for key, space, asker, days, title, body, topics, answers, accepted, duplicate in QUESTIONS:
            community = self.spaces[space][1]
            asked_at = self.now - timedelta(days=days)
            question = questions.do_ask_question(self.person(asker), title, body, community=community,
                                                 topics=topics, created_at=asked_at)
            made[key] = question
            self.counts["posts"] += 1
            written = []
            for author, hours, text, ups, downs in answers:
                answer = questions.do_answer_question(question, self.person(author), text,
                                                      created_at=asked_at + timedelta(hours=hours))
                Notification.objects.filter(post=question, kind=Kind.ANSWER, actor=answer.author_id).update(
                    created_at=answer.created_at)  # told when it was answered
                self.counts["answers"] = self.counts.get("answers", 0) + 1
                for voter in ups:
                    questions.do_vote(self.person(voter), 1, answer=answer)
                for voter in downs:
                    questions.do_vote(self.person(voter), -1, answer=answer)
                written.append(answer)
            for voter in [a[0] for a in answers][:2]:
                questions.do_vote(self.person(voter), 1, post=question)
            if accepted is not None:
                questions.do_accept_answer(written[accepted], acting_user=self.person(asker))
            if duplicate is not None:
                questions.do_mark_duplicate(question, made[duplicate], acting_user=self.person(asker))

    def create_expertise(self) -> None:
        """Colleagues endorse each other's skills; two people accept questions, and the unanswered
        question about the sales template is put to one of them."""
        from essaim.experts import actions as experts
        from essaim.stream.models import Post

        rng = random.Random(SEED + 11)
        staff = [u for u in self.staff() if u.id != self.admin.id]
        for person in staff[:16]:
            skills = [s.name for s in person.skills.all()]
            if not skills:
                continue
            for colleague in rng.sample([u for u in staff if u.id != person.id], rng.randint(1, 3)):
                experts.do_endorse(person, rng.choice(skills), acting_user=colleague)
        for key in ("hugo.lambert", "marie-eve.bouchard"):
            experts.do_set_routing(self.person(key), acting_user=self.person(key), accepts_questions=True)
        question = Post.objects.get(network=self.network, kind="question", title__startswith="Où trouver le modèle")
        experts.do_route_question(question, [self.person("hugo.lambert").id], acting_user=question.author)

    def set_notification_levels(self) -> None:
        """A few people hear of every post in one of their communities (before the posts exist)."""
        for space, community in list(self.spaces.values())[:3]:
            for user in space.members[1:3]:
                do_set_community_level(user, community, "all", acting_user=user)

    def create_direct_messages(self) -> None:
        """A few conversations, one-to-one and in groups, some with messages the admin has not read."""
        staff = [u for u in self.staff() if u.id != self.admin.id]
        rng = random.Random(SEED + 7)
        for index, (title, lines) in enumerate(DIRECT_MESSAGES):
            count = 1 if not title else rng.randint(2, 4)
            others = rng.sample(staff, count)
            if index < 3:  # the admin takes part in the first ones
                people = [self.admin] + others
            else:
                people = others + [rng.choice([u for u in staff if u not in others])]
            conversation = messaging.do_start_conversation(people[0], [u.id for u in people[1:]], title=title)
            moment = self.now - timedelta(days=rng.uniform(0.2, 6))
            for n, line in enumerate(lines):
                author = people[n % len(people)]
                message = messaging.do_send_message(conversation, line, acting_user=author)
                moment += timedelta(minutes=rng.randint(2, 240))
                moment = min(moment, self.now - timedelta(minutes=len(lines) - n))
                Message.objects.filter(pk=message.pk).update(created_at=moment)
                Notification.objects.filter(message=message).update(created_at=moment)
                self.counts["messages"] += 1
            Conversation.objects.filter(pk=conversation.pk).update(last_message_at=moment, created_at=moment)

    def run_fan_out(self) -> None:
        """The "every new post" notifications are queued as jobs: run them now. The demo's past
        activity sends no e-mail: its queued notification e-mails are dropped."""
        jobs.run_pending(limit=10_000, kinds=["notifications.community_post"])
        Job.objects.filter(network_id=self.network.id, kind="notifications.email").delete()

    def settle_notifications(self) -> None:
        """People have read what is older than a few days; the rest is still unread."""
        cutoff = self.now - timedelta(days=2)
        pending_requests = set(JoinRequest.objects.filter(network=self.network, status=JoinRequest.Status.PENDING)
                               .values_list("community_id", flat=True))
        by_recipient: dict[int, list[int]] = {}
        rows = (Notification.objects.filter(network=self.network, read_at__isnull=True)
                .select_related("post", "comment").order_by("id"))
        for row in rows:
            moment = (row.comment.created_at if row.comment_id else row.post.created_at if row.post_id else None)
            if row.kind == Kind.JOIN_REQUEST and row.community_id in pending_requests:
                continue
            if moment is None or moment < cutoff:
                by_recipient.setdefault(row.recipient_id, []).append(row.id)
        users = {u.id: u for u in self.people.values()}
        for recipient_id, ids in by_recipient.items():
            if recipient_id in users:
                for start in range(0, len(ids), 1000):
                    do_mark_read(users[recipient_id], ids=ids[start:start + 1000])


@transaction.atomic
def load(network) -> dict[str, int]:
    """Fill `network` with the demo people and conversations. Returns what was created."""
    loader = _Loader(network)
    loader.create_people()
    loader.create_communities()
    loader.create_follows()
    loader.set_notification_levels()
    written = loader.create_posts()
    loader.create_conversations(written)
    loader.create_direct_messages()
    loader.create_questions()
    loader.create_expertise()
    loader.run_fan_out()
    loader.settle_notifications()
    return loader.counts

