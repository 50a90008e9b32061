// Expanding groups, and the deciding rule of a cell on hover, focus or click. Works from
// disk (no network); `#expand=ARCH:GROUP` in the address expands that group on load.
(function () {
  "use strict";
  var strings = JSON.parse(document.getElementById("strings").textContent);
  function toggle(button, open) {
    var row = document.getElementById(button.getAttribute("aria-controls"));
    var show = open === undefined ? row.hidden : open;
    row.hidden = !show;
    button.setAttribute("aria-expanded", show ? "true" : "false");
    button.closest("tr").toggleAttribute("data-open", show);
  }
  document.querySelectorAll("button.expand").forEach(function (b) {
    b.addEventListener("click", function () { toggle(b); });
  });
  var panel = document.getElementById("details");
  var selected = null;
  function show(td) {
    if (!td.dataset.d) { return; }
    if (selected) { selected.classList.remove("selected"); }
    selected = td; td.classList.add("selected");
    var rows = [["syscall", td.parentNode.dataset.syscall + " (" + td.dataset.arch + ")"],
                ["profile", td.dataset.profile], ["class", td.dataset.cls],
                ["decision", strings[+td.dataset.d]], ["decided by", strings[+td.dataset.r]]];
    if (td.dataset.g) { rows.push(["gated by", strings[+td.dataset.g]]); }
    var dl = document.createElement("dl");
    rows.forEach(function (r) {
      var dt = document.createElement("dt"); dt.textContent = r[0];
      var dd = document.createElement("dd"); dd.textContent = r[1];
      dl.appendChild(dt); dl.appendChild(dd);
    });
    panel.replaceChildren(dl);
    panel.hidden = false;
  }
  document.addEventListener("mouseover", function (e) {
    var td = e.target.closest && e.target.closest("td.call"); if (td) { show(td); }
  });
  document.addEventListener("focusin", function (e) {
    var td = e.target.closest && e.target.closest("td.call"); if (td) { show(td); }
  });
  document.addEventListener("click", function (e) {
    var td = e.target.closest && e.target.closest("td.call"); if (td) { show(td); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { panel.hidden = true; }
  });
  var m = /expand=([^:&]+):([^&]+)/.exec(decodeURIComponent(location.hash));
  if (m) {
    var b = document.querySelector('button.expand[data-arch="' + m[1] + '"][data-group="' + m[2] + '"]');
    if (b) {
      toggle(b, true);
      var first = document.querySelector("#" + b.getAttribute("aria-controls") + " td.call[data-d]");
      if (first) { show(first); }
    }
  }
  document.documentElement.dataset.ready = "true";
})();
