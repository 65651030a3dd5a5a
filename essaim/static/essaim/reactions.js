// Reaction buttons (form[data-reactions]) toggle in place: the form posts to the same page
// endpoint with Accept: application/json and the counts are updated from the answer. If the
// request fails, the form is submitted the ordinary way.
import { postForm } from "./util.js";

function update(form, data) {
  const counts = data.reactions || {};
  const mine = new Set(data.my_reactions || []);
  for (const button of form.querySelectorAll("button[data-kind]")) {
    const kind = button.dataset.kind;
    button.setAttribute("aria-pressed", mine.has(kind) ? "true" : "false");
    const count = button.querySelector(".count");
    if (count) count.textContent = counts[kind] ? String(counts[kind]) : "";
  }
}

function fallback(form, submitter) {
  const field = document.createElement("input");
  field.type = "hidden";
  field.name = submitter.name;
  field.value = submitter.value;
  form.append(field);
  HTMLFormElement.prototype.submit.call(form);
}

export function setupReactions(root) {
  root.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-reactions]");
    if (!form || event.defaultPrevented) return;
    const submitter = event.submitter;
    if (!submitter || !submitter.dataset.kind) return;
    event.preventDefault();
    if (submitter.hasAttribute("data-busy")) return;
    const body = new FormData(form);
    body.set("kind", submitter.value);
    submitter.setAttribute("data-busy", "");
    try {
      const response = await postForm(form.action, body);
      if (response.ok) {
        update(form, await response.json());
      } else if (response.status >= 500 || response.status === 403) {
        fallback(form, submitter);
      } else {
        const data = await response.json().catch(() => ({}));
        const message = data.error && data.error.message;
        if (message) window.alert(message);
      }
    } catch {
      fallback(form, submitter);
    } finally {
      submitter.removeAttribute("data-busy");
    }
  });
}
