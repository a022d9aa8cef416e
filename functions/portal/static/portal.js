/* heatportal: small enhancements; every page works without them.
   - the menu collapses behind a button on narrow screens (open without script);
   - an error summary (or a value to check) takes the focus when a form comes back;
   - a language picked in the switcher closes it again. */
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector(".menu-toggle");
  var menu = document.getElementById("menu");
  if (button && menu) {
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.classList.contains("open")) {
        button.setAttribute("aria-expanded", "false");
        menu.classList.remove("open");
        button.focus();
      }
    });
  }
  var summary = document.querySelector(".error-summary, .confirm[tabindex]");
  if (summary) {
    summary.focus();
  }
});
