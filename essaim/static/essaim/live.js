// Live updates from the server's event stream (GET /api/v1/events, Server-Sent Events). Loaded by
// base.html for signed-in people only; every page still works without it.
//
// - A feed page (an element [data-new-posts]) shows "3 new posts" when people post into the feed
//   being read; the button reloads the list in place.
// - A post page ([data-live-post]) refreshes its comments and reactions when they change, without
//   touching the reader's unsent text, open reply forms or focus.
// - An open conversation ([data-live-conversation]) shows the new messages as they come, without
//   touching the reader's unsent text or focus, and announces them politely.
// - The conversations list ([data-live-conversations]) follows new messages, reads and changes.
// - The header counters (links [data-counter]) follow notifications and direct messages.
//
// Events carry ids only: what to show is always asked again from the server, with the reader's
// own permissions. One tab holds the stream (a Web Lock) and passes events to the others through
// a BroadcastChannel, so that many open tabs do not use up the browser's connections.
import { setupAutocomplete } from "./autocomplete.js";

const EVENTS_URL = "/api/v1/events";
const COUNTERS_URL = "/api/v1/me/counters";
const NEW_COUNT_URL = "/api/v1/feed/new_count";
const FEED_DELAY = 500;
const FEED_SPREAD = 500;
const POST_DELAY = 300;
const POST_SPREAD = 300;
const COUNTERS_DELAY = 300;
const MESSAGES_DELAY = 200;
const MESSAGES_SPREAD = 200;
const AT_END_SLACK = 48; // px: a reader this close to the end of a conversation is "at the end"
const CAP = 99;

const script = document.querySelector("script[data-live]");
const me = script ? script.dataset.userId : "";
const listeners = [];
let lastId = ""; // the newest event this page has seen: where a new stream resumes

function on(handler) {
  listeners.push(handler);
}

function dispatch(event) {
  if (!event || typeof event.type !== "string") return;
  if (event.id) lastId = String(event.id);
  for (const handler of listeners) {
    try {
      handler(event);
    } catch (error) {
      console.error(error);
    }
  }
}

// Runs `task` once, `delay` ms after the last call (a burst of events costs one request), plus up
// to `spread` ms chosen at random, so that everyone reading the same thing does not ask at once.
function debounced(task, delay, spread = 0) {
  let timer = 0;
  return () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(task, delay + Math.floor(Math.random() * spread));
  };
}

async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

// The text of a live region or button in the reader's language: the page renders both forms
// (data-one, data-many) with "%(count)s" in them.
function countLabel(element, count) {
  const form = count === 1 ? element.dataset.one : element.dataset.many;
  return (form || "%(count)s").replace("%(count)s", count >= CAP ? `${CAP}+` : String(count));
}

async function getPage(url) {
  const response = await fetch(url, {
    credentials: "same-origin",
    headers: { Accept: "text/html", "X-Essaim-Live": "refresh" },
  });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return new DOMParser().parseFromString(await response.text(), "text/html");
}

// ------------------------------------------------------------------ the stream

function openStream(deliver) {
  // A tab taking over from another resumes where the events it was passed stopped.
  const url = lastId ? `${EVENTS_URL}?last_event_id=${encodeURIComponent(lastId)}` : EVENTS_URL;
  const source = new EventSource(url);
  source.onmessage = (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    deliver(event);
  };
  // On a network error the browser reconnects by itself (with Last-Event-ID); an answer that is not
  // a stream (signed out: 401) closes it for good, and the page simply stays as it is.
  return source;
}

function connect() {
  if (!("EventSource" in window)) return;
  const channel = "BroadcastChannel" in window ? new BroadcastChannel("essaim-live") : null;
  if (channel && navigator.locks) {
    channel.onmessage = (message) => {
      if (message.data && message.data.user === me) dispatch(message.data.event);
    };
    // Held while this page lives; when the tab holding it closes, another open tab takes over.
    navigator.locks.request("essaim-live-stream", () => new Promise(() => {
      openStream((event) => {
        dispatch(event);
        channel.postMessage({ user: me, event });
      });
    }));
  } else {
    openStream(dispatch);
  }
}

// ------------------------------------------------------------------ header counters

function counterLink(name) {
  return document.querySelector(`[data-counter="${name}"]`) || document.querySelector(`a[href="/${name}/"]`);
}

// The badge markup base.html renders: <span class="badge" data-unread-…>3<span class="visually-hidden">
// unread</span></span>.
const BADGE_ATTRIBUTES = { notifications: "data-unread-count", messages: "data-unread-messages" };

function setBadge(name, count) {
  const link = counterLink(name);
  if (!link) return;
  let badge = link.querySelector(".badge");
  if (!count) {
    if (badge) {
      const before = badge.previousSibling;
      if (before && before.nodeType === Node.TEXT_NODE && !before.nodeValue.trim()) before.remove();
      badge.remove();
    }
    return;
  }
  const text = String(count);
  if (!badge) {
    badge = document.createElement("span");
    badge.className = "badge";
    badge.setAttribute(BADGE_ATTRIBUTES[name], "");
    const hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = ` ${script.dataset.unread || ""}`;
    badge.append(document.createTextNode(text), hidden);
    link.append(" ", badge);
    return;
  }
  const first = badge.firstChild;
  if (first && first.nodeType === Node.TEXT_NODE) first.nodeValue = text;
  else badge.prepend(document.createTextNode(text));
}

const titleWithoutCount = document.title.replace(/^\(\d+\+?\) /, "");

function setTitle(total) {
  document.title = total ? `(${total > CAP ? `${CAP}+` : total}) ${titleWithoutCount}` : titleWithoutCount;
}

// A page about to read what the counters count (the open conversation, read by its own refresh)
// holds them until it is done, so that they never show as unread what the reader is reading.
let counterHolds = 0;

const refreshCounters = debounced(async () => {
  if (counterHolds) return; // the last release asks again
  try {
    const counts = await getJSON(COUNTERS_URL);
    if (counterHolds) return;
    setBadge("notifications", counts.notifications);
    setBadge("messages", counts.messages);
    setTitle((counts.notifications || 0) + (counts.messages || 0));
  } catch {
    // the next event tries again
  }
}, COUNTERS_DELAY);

// Returns the function that releases the hold (once) and brings the counters up to date.
function holdCounters() {
  counterHolds += 1;
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    counterHolds -= 1;
    refreshCounters();
  };
}

function setupCounters() {
  const kinds = new Set(["notification.created", "notification.read", "message.created", "conversation.read"]);
  on((event) => {
    if (kinds.has(event.type)) refreshCounters();
  });
}

// ------------------------------------------------------------------ "new posts" on a feed

function setupFeed() {
  const box = document.querySelector("[data-new-posts]");
  if (!box) return;
  const button = box.querySelector("button");
  const status = box.querySelector("[data-new-posts-status]");
  let shown = 0;

  function show(count) {
    if (count === shown) return;
    shown = count;
    if (!count) {
      button.hidden = true;
      status.textContent = "";
      return;
    }
    button.textContent = countLabel(box, count);
    button.hidden = false;
    status.textContent = countLabel(box, count);
  }

  const check = debounced(async () => {
    const query = new URLSearchParams({ feed: box.dataset.feed, after: box.dataset.after || "0" });
    try {
      const data = await getJSON(`${NEW_COUNT_URL}?${query}`);
      show(Math.max(0, Number(data.count) || 0));
    } catch {
      // the next event tries again
    }
  }, FEED_DELAY, FEED_SPREAD);

  // Which posts may belong to this feed, from the event alone (home and topics: any).
  const [kind, arg] = (box.dataset.feed || "").split(/:(.*)/s);
  function mayBelong(data) {
    if (kind === "community") return data.community_id === arg;
    if (kind === "profile") return data.author_id === arg || data.profile_user_id === arg;
    if (kind === "all") return !data.community_id && !data.profile_user_id;
    return true;
  }

  on((event) => {
    const data = event.data || {};
    if (!mayBelong(data)) return;
    if (event.type === "post.created" && data.author_id !== me) check();
    else if (event.type === "post.deleted" && shown) check();
  });

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const doc = await getPage(window.location.href);
      const fresh = doc.querySelector("[data-feed-list]");
      const list = document.querySelector("[data-feed-list]");
      if (!fresh || !list) throw new Error("no feed list");
      const freshBox = doc.querySelector("[data-new-posts]");
      if (freshBox) box.dataset.after = freshBox.dataset.after;
      const adopted = document.adoptNode(fresh);
      list.replaceWith(adopted);
      setupAutocomplete(adopted);
      show(0);
      const first = adopted.querySelector("article");
      if (first) {
        first.tabIndex = -1;
        first.focus();
      }
    } catch {
      window.location.reload();
    } finally {
      button.disabled = false;
    }
  });
}

// ------------------------------------------------------------------ a post's comments and reactions

// A small DOM morph: brings `old` to look like `fresh` while keeping the nodes that stay, so focus,
// caret, open <details> and typed text survive. Forms where the reader types are left alone.
function keyOf(node) {
  if (node.nodeType !== Node.ELEMENT_NODE) return null;
  if (node.id) return node.id;
  if (node.tagName === "LI") {
    const inner = node.firstElementChild;
    if (inner && inner.id) return `li:${inner.id}`;
  }
  return null;
}

function isReadersForm(node) {
  return node.tagName === "FORM" && node.querySelector("textarea, select, input:not([type=hidden])");
}

function morph(old, fresh, added) {
  if (old.nodeType !== Node.ELEMENT_NODE) {
    if (old.nodeValue !== fresh.nodeValue) old.nodeValue = fresh.nodeValue;
    return;
  }
  if (isReadersForm(old)) return;
  if (["TEXTAREA", "SELECT"].includes(old.tagName)) return;
  if (old.tagName === "INPUT" && old.type !== "hidden") return;
  for (const { name } of [...old.attributes]) {
    if (!fresh.hasAttribute(name) && !(old.tagName === "DETAILS" && name === "open")) old.removeAttribute(name);
  }
  for (const { name, value } of fresh.attributes) {
    if (old.tagName === "DETAILS" && name === "open") continue;
    if (old.getAttribute(name) !== value) old.setAttribute(name, value);
  }
  if (old.tagName === "INPUT") {
    old.value = fresh.value;
    return;
  }
  morphChildren(old, fresh, added);
}

function sameKind(a, b) {
  return a.nodeType === b.nodeType && (a.nodeType !== Node.ELEMENT_NODE || a.tagName === b.tagName);
}

function morphChildren(parent, freshParent, added) {
  const olds = [...parent.childNodes];
  const keyed = new Map();
  for (const node of olds) {
    const key = keyOf(node);
    if (key) keyed.set(key, node);
  }
  const used = new Set();
  const wanted = [];
  let next = 0; // the next unkeyed old node to reuse
  for (const freshNode of [...freshParent.childNodes]) {
    const key = keyOf(freshNode);
    let match = null;
    if (key) {
      match = keyed.get(key) || null;
      if (match && (used.has(match) || !sameKind(match, freshNode))) match = null;
    } else {
      while (next < olds.length && (used.has(olds[next]) || keyOf(olds[next]))) next += 1;
      if (next < olds.length && sameKind(olds[next], freshNode)) {
        match = olds[next];
        next += 1;
      }
    }
    if (match) {
      used.add(match);
      morph(match, freshNode, added);
      wanted.push(match);
    } else {
      const node = document.importNode(freshNode, true);
      if (node.nodeType === Node.ELEMENT_NODE) added.push(node);
      wanted.push(node);
    }
  }
  for (const node of olds) if (!used.has(node)) node.remove();
  wanted.forEach((node, index) => {
    const here = parent.childNodes[index] || null;
    if (here !== node) parent.insertBefore(node, here);
  });
}

function setupPost() {
  const section = document.querySelector("[data-live-post]");
  if (!section) return;
  const postId = section.dataset.livePost;
  const base = section.dataset.liveUrl || window.location.pathname;

  const refresh = debounced(async () => {
    const url = window.location.pathname === base ? base + window.location.search : base;
    try {
      const doc = await getPage(url);
      const added = [];
      const freshSection = doc.querySelector(`[data-live-post="${postId}"]`);
      const current = document.querySelector(`[data-live-post="${postId}"]`);
      if (freshSection && current) morph(current, freshSection, added);
      const article = document.getElementById(`post-${postId}`);
      const freshArticle = doc.getElementById(`post-${postId}`);
      if (article && freshArticle) morph(article, freshArticle, added);
      for (const node of added) setupAutocomplete(node);
    } catch {
      // the post may be gone, or the network down: leave the page as it is
    }
  }, POST_DELAY, POST_SPREAD);

  const kinds = new Set(["comment.created", "comment.updated", "comment.deleted", "reaction.changed", "post.updated"]);
  on((event) => {
    if (kinds.has(event.type) && event.data && String(event.data.post_id) === postId) refresh();
  });
}

// ------------------------------------------------------------------ direct messages

// Runs `change` (which rewrites `list`) keeping the reader's place: whoever saw the end of the list
// still sees it, the new messages just above the composer; anyone reading further up keeps the
// message they were reading where it was.
function keepingPlace(list, change) {
  const end = list.getBoundingClientRect().bottom;
  const atEnd = end <= window.innerHeight + AT_END_SLACK;
  const anchor = atEnd ? null : [...list.querySelectorAll("li[id]")].find((li) => li.getBoundingClientRect().bottom > 0);
  const before = anchor ? anchor.getBoundingClientRect().top : end;
  change();
  if (anchor && !anchor.isConnected) return;
  const after = anchor ? anchor.getBoundingClientRect().top : list.getBoundingClientRect().bottom;
  if (after !== before) window.scrollBy(0, after - before);
}

// Says how many messages by others just appeared, in the polite live region.
function announceMessages(status, added) {
  if (!status) return;
  const count = added
    .flatMap((node) => (node.matches("li.dm") ? [node] : [...node.querySelectorAll("li.dm")]))
    .filter((li) => !li.classList.contains("mine")).length;
  if (!count) return;
  status.textContent = ""; // the same words again are announced again
  window.setTimeout(() => {
    status.textContent = countLabel(status, count);
  }, 100);
}

function setupConversation() {
  const section = document.querySelector("[data-live-conversation]");
  if (!section) return;
  const conversationId = section.dataset.liveConversation;
  const url = section.dataset.liveUrl || window.location.pathname;
  const status = section.querySelector("[data-live-messages-status]");
  let release = null; // the hold on the header counters while new messages are fetched
  let arrivals = 0; // messages announced by the stream; a fetch started after the last one shows them
  let waiting = false; // messages arrived while the tab was hidden: nobody was reading them
  let queue = Promise.resolve(); // one fetch at a time, in order

  async function update() {
    const seen = arrivals;
    try {
      // This GET marks the conversation read up to what it shows: the reader is looking at it.
      const doc = await getPage(url);
      const fresh = doc.querySelector(`[data-live-conversation="${conversationId}"] [data-live-messages]`);
      const list = section.querySelector("[data-live-messages]");
      if (!fresh || !list) return;
      const added = [];
      keepingPlace(list, () => morph(list, fresh, added));
      announceMessages(status, added);
    } catch {
      // the conversation may be gone (left, removed), or the network down: leave the page as it is
    } finally {
      if (release && seen === arrivals) {
        release();
        release = null;
      }
    }
  }

  const refresh = debounced(() => {
    queue = queue.then(update);
  }, MESSAGES_DELAY, MESSAGES_SPREAD);

  function read() {
    arrivals += 1;
    if (!release) release = holdCounters();
    refresh();
  }

  on((event) => {
    if (event.type !== "message.created" || !event.data || String(event.data.conversation_id) !== conversationId) return;
    if (document.hidden) waiting = true; // left unread (and counted) until the reader comes back
    else read();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.hidden || !waiting) return;
    waiting = false;
    read();
  });
}

function setupConversationList() {
  if (!document.querySelector("[data-live-conversations]")) return;
  const refresh = debounced(async () => {
    try {
      const doc = await getPage(window.location.pathname + window.location.search);
      const fresh = doc.querySelector("[data-live-conversations]");
      const current = document.querySelector("[data-live-conversations]");
      if (fresh && current) morph(current, fresh, []);
    } catch {
      // the next event tries again
    }
  }, MESSAGES_DELAY, MESSAGES_SPREAD);
  const kinds = new Set(["message.created", "conversation.read", "conversation.updated"]);
  on((event) => {
    if (kinds.has(event.type)) refresh();
  });
}

if (script) {
  setupCounters();
  setupFeed();
  setupPost();
  setupConversation();
  setupConversationList();
  connect();
}
