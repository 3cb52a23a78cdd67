// Parvis web console: the few lines of script that help. Everything works without them.
// Prompt rows get "Move up" / "Move down" buttons that reorder them and renumber their order field.
(function () {
  "use strict";
  var box = document.getElementById("prompts");
  if (!box) { return; }
  var up = box.getAttribute("data-up") || "↑", down = box.getAttribute("data-down") || "↓";
  function rows() { return Array.prototype.slice.call(box.querySelectorAll(".prompt-row")); }
  function renumber() {
    rows().forEach(function (row, i) { row.querySelector("input.order").value = String(i + 1); });
  }
  function button(label, title, move) {
    var b = document.createElement("button");
    b.type = "button"; b.textContent = label; b.setAttribute("aria-label", title);
    b.addEventListener("click", function () { move(b.closest(".prompt-row")); renumber(); b.focus(); });
    return b;
  }
  rows().forEach(function (row) {
    var legend = row.querySelector("legend").textContent;
    var bar = document.createElement("div"); bar.className = "actions";
    bar.appendChild(button(up, box.getAttribute("data-up-label") + " " + legend, function (r) {
      var prev = r.previousElementSibling;
      if (prev && prev.classList.contains("prompt-row")) { r.parentNode.insertBefore(r, prev); }
    }));
    bar.appendChild(button(down, box.getAttribute("data-down-label") + " " + legend, function (r) {
      var next = r.nextElementSibling;
      if (next && next.classList.contains("prompt-row")) { r.parentNode.insertBefore(next, r); }
    }));
    row.appendChild(bar);
  });
}());
