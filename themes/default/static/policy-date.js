// Shortcuts on policy pages (each page lists the same links without them), and printing.
// (The compare page's form is redline.js's.)
// Their messages come from the form's data-message-* attributes, in the page's language.
// Jumps to the policy version in force on a chosen date (the version history table
// shows every version's dates).
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
      form.querySelector("output").textContent = form.dataset.messageNone || "No version of this policy was in force on that date.";
    }
  });
}

// Printing: the button under a policy's title (hidden without JavaScript, where the
// browser's own menu prints the same page), and the day of printing, written on paper
// only, in the page's language.
for (const button of document.querySelectorAll("button[data-print]")) {
  button.closest("[hidden]")?.removeAttribute("hidden");
  button.addEventListener("click", () => window.print());
}
function writePrintedOn() {
  const day = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: "long" }).format(new Date());
  for (const line of document.querySelectorAll(".printed-on[data-template]")) {
    line.textContent = line.dataset.template.replace("{date}", day);
  }
}
writePrintedOn();
window.addEventListener("beforeprint", writePrintedOn);
