// Suggestions under the header search box (input[data-suggest]): people, communities, topics and
// questions from /api/v1/search/suggest while a search is typed. ARIA combobox: the input keeps
// focus and points at the highlighted option with aria-activedescendant. Arrow keys move, Enter
// opens the highlighted suggestion (with none highlighted, Enter submits the search as without
// JavaScript), Escape closes. The number of suggestions is announced politely. Every text comes
// from the input's data-text-* attributes (translated by the template).

const DELAY = 150;
const MIN_LENGTH = 2;
const LIMIT = 8;

function attach(input) {
  const text = input.dataset;
  const id = `${input.id || "suggest"}-listbox`;
  const list = document.createElement("ul");
  list.id = id;
  list.className = "autocomplete-list suggest-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", text.textList || "Suggestions");
  list.hidden = true;
  const status = document.createElement("span");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  const host = input.closest("form") || input.parentElement;
  host.classList.add("suggest");
  host.append(list, status);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", id);

  let items = [];
  let active = -1;
  let timer = 0;
  let controller = null;
  let asked = "";

  function announce(message) {
    status.textContent = message;
  }

  function close() {
    list.hidden = true;
    list.replaceChildren();
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    active = index;
    list.querySelectorAll("[role=option]").forEach((option, i) => {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", `${id}-${index}`);
      const option = document.getElementById(`${id}-${index}`);
      if (option) option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function open(index) {
    const item = items[index];
    if (!item) return;
    close();
    window.location.assign(item.url);
  }

  function render(found) {
    close();
    items = found.filter((item) => item && item.url && item.label);
    if (!items.length) {
      announce(text.textNone || "");
      return;
    }
    let previous = "";
    items.forEach((item, index) => {
      const option = document.createElement("li");
      option.id = `${id}-${index}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.className = `suggestion suggestion-${item.type}`;
      if (item.type !== previous && index > 0) option.classList.add("suggestion-group");
      previous = item.type;
      const label = document.createElement("span");
      label.className = "suggestion-label";
      label.textContent = item.label;
      const kind = document.createElement("span");
      kind.className = "kind";
      const key = `text${item.type.charAt(0).toUpperCase()}${item.type.slice(1)}`;
      kind.textContent = text[key] || item.type;
      option.append(label, kind);
      option.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the input
      option.addEventListener("click", () => open(index));
      list.append(option);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    const count = items.length === 1 ? text.textOne : (text.textCount || "").replace("{count}", items.length);
    announce(count || String(items.length));
  }

  async function lookup(query) {
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const url = `/api/v1/search/suggest?limit=${LIMIT}&q=${encodeURIComponent(query)}`;
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller.signal,
      });
      if (!response.ok) return close();
      const data = await response.json();
      if (query === asked) render(data.items || []);
    } catch (error) {
      if (error.name !== "AbortError") close();
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const query = input.value;
    asked = query;
    if (query.trim().length < MIN_LENGTH) {
      if (controller) controller.abort();
      close();
      announce("");
      return;
    }
    timer = setTimeout(() => lookup(query), DELAY);
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !list.hidden) {
      event.preventDefault(); // close the list, keep the text (a search input would clear it)
      close();
      return;
    }
    if (list.hidden || !items.length) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      highlight(active + 1 >= items.length ? 0 : active + 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      open(active);
    } else if (event.key === "Tab") {
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  host.addEventListener("submit", () => {
    clearTimeout(timer);
    close();
  });
}

document.querySelectorAll("input[data-suggest]").forEach(attach);
