// Quote the text the labeler selected in the page window; insert citations into the answer.
document.addEventListener("DOMContentLoaded", () => {
  const quote = document.getElementById("quote-selection");
  if (quote) {
    quote.addEventListener("click", () => {
      document.getElementById("selection").value = String(window.getSelection() || "");
    });
  }
  const box = document.getElementById("answer-box");
  for (const button of document.querySelectorAll("button.cite")) {
    button.addEventListener("click", () => {
      const at = box.selectionStart ?? box.value.length;
      box.value = box.value.slice(0, at) + " " + button.dataset.cite + box.value.slice(at);
      box.focus();
    });
  }
});
