// Jumps to the policy version in force on a chosen date. The version history table
// shows every version's dates without it; this only adds the shortcut.
for (const form of document.querySelectorAll("form.version-at")) {
  form.hidden = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const day = form.elements.date.value;
    const rows = [...document.querySelectorAll("tr[data-from]")];
    const row = rows.find((r) => r.dataset.from <= day && (!r.dataset.until || day <= r.dataset.until));
    if (row) {
      location.href = row.dataset.url;
    } else {
      form.querySelector("output").textContent = "No version of this policy was in force on that date.";
    }
  });
}
