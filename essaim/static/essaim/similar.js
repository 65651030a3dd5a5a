// While the title of a new question is typed, suggest similar questions already asked, from the
// search API. If search is not there (404) or fails, nothing is shown: the form works anyway.
const input = document.querySelector("input[data-similar]");
const box = document.getElementById("similar-questions");
let timer = null;
let last = "";

async function suggest() {
  const q = input.value.trim();
  if (q === last) return;
  last = q;
  if (q.length < 4) { box.hidden = true; return; }
  try {
    const url = `/api/v1/search?type=question&limit=5&q=${encodeURIComponent(q)}`;
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) { box.hidden = true; return; }
    const items = ((await response.json()).items || []).filter((i) => i.type === "question" && i.url);
    if (q !== last) return;
    box.replaceChildren();
    if (!items.length) { box.hidden = true; return; }
    const heading = document.createElement("p");
    heading.textContent = box.dataset.heading;
    const list = document.createElement("ul");
    for (const item of items) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.title || item.url;
      li.append(a);
      list.append(li);
    }
    box.append(heading, list);
    box.hidden = false;
  } catch {
    box.hidden = true;
  }
}

if (input && box) {
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, 300); });
}
