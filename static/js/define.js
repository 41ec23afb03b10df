// Escape closes an open definition ({% define %}); moving the pointer or focus away resets it.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const open = document.activeElement && document.activeElement.closest(".define");
  if (open) open.classList.add("define-closed");
});
document.addEventListener("focusout", (event) => {
  const box = event.target.closest && event.target.closest(".define");
  if (box && !box.contains(event.relatedTarget)) box.classList.remove("define-closed");
});
document.addEventListener("mouseout", (event) => {
  const box = event.target.closest && event.target.closest(".define");
  if (box && !box.contains(event.relatedTarget)) box.classList.remove("define-closed");
});
