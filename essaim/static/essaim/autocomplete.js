// @mention autocomplete for every textarea[data-autocomplete]. Typing "@xy" asks
// /autocomplete/?q=xy and shows a listbox of people and communities (ARIA: the textarea keeps
// focus and points at the highlighted option with aria-activedescendant). Arrow keys move,
// Enter or Tab inserts "@name ", Escape closes.

const TOKEN = /(?:^|[^\w@/.])@([\w.-]{1,40})$/u;
const DELAY = 150;
let counter = 0;

function attach(textarea) {
  const id = `autocomplete-${++counter}`;
  const list = document.createElement("ul");
  list.id = id;
  list.className = "autocomplete-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", document.body.dataset.textSuggestions || "Suggestions");
  list.hidden = true;
  const status = document.createElement("span");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  const host = textarea.closest(".autocomplete") || textarea.parentElement;
  host.append(list, status);
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-controls", id);

  let items = [];
  let active = -1;
  let timer = 0;
  let controller = null;
  let token = null; // {start, end, query}

  function close() {
    list.hidden = true;
    list.replaceChildren();
    items = [];
    active = -1;
    textarea.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    active = index;
    list.querySelectorAll("[role=option]").forEach((option, i) => {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0) {
      textarea.setAttribute("aria-activedescendant", `${id}-${index}`);
      const option = document.getElementById(`${id}-${index}`);
      if (option) option.scrollIntoView({ block: "nearest" });
    } else {
      textarea.removeAttribute("aria-activedescendant");
    }
  }

  function render(found) {
    items = found;
    list.replaceChildren();
    if (!items.length) {
      close();
      return;
    }
    items.forEach((item, index) => {
      const option = document.createElement("li");
      option.id = `${id}-${index}`;
      option.setAttribute("role", "option");
      const label = document.createElement("span");
      label.textContent = `${item.label} `;
      const name = document.createElement("span");
      name.className = "muted";
      name.textContent = `@${item.name}`;
      label.append(name);
      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = item.kind === "community" ? document.body.dataset.textCommunity || "community" : "";
      option.append(label, kind);
      option.addEventListener("mousedown", (event) => {
        event.preventDefault(); // keep focus in the textarea
        insert(index);
      });
      list.append(option);
    });
    list.hidden = false;
    highlight(0);
    status.textContent = String(items.length);
  }

  function insert(index) {
    const item = items[index];
    if (!item || !token) return;
    const value = textarea.value;
    const before = value.slice(0, token.start);
    const after = value.slice(token.end);
    const text = `@${item.name} `;
    textarea.value = before + text + after.replace(/^\s/, "");
    const caret = before.length + text.length;
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    close();
    token = null;
  }

  async function lookup(query) {
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const response = await fetch(`/autocomplete/?q=${encodeURIComponent(query)}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller.signal,
      });
      if (!response.ok) return close();
      const data = await response.json();
      if (token && token.query === query) render(data.items || []);
    } catch (error) {
      if (error.name !== "AbortError") close();
    }
  }

  function onInput() {
    const caret = textarea.selectionStart;
    if (caret !== textarea.selectionEnd) return close();
    const match = textarea.value.slice(0, caret).match(TOKEN);
    if (!match) {
      token = null;
      return close();
    }
    const query = match[1];
    token = { start: caret - query.length - 1, end: caret, query };
    clearTimeout(timer);
    timer = setTimeout(() => lookup(query), DELAY);
  }

  textarea.addEventListener("input", onInput);
  textarea.addEventListener("keydown", (event) => {
    if (list.hidden || !items.length) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      highlight((active + 1) % items.length);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight((active - 1 + items.length) % items.length);
    } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0 && !event.shiftKey) {
      event.preventDefault();
      insert(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  textarea.addEventListener("blur", () => setTimeout(close, 100));
}

export function setupAutocomplete(root) {
  root.querySelectorAll("textarea[data-autocomplete]").forEach(attach);
}
