// pathways web app: the few things htmx does not do. Everything else works without this file.
(function () {
  "use strict";

  // "My learning": a dropped or chosen Open Badges 3.0 / CLR file becomes rows (POST /learner/badges).
  function readBadgeFile(file) {
    var status = document.getElementById("drop-status");
    var rows = document.getElementById("my-learning-rows");
    file.text().then(function (text) {
      return fetch("/learner/badges", { method: "POST", headers: { "Content-Type": "application/json" }, body: text });
    }).then(function (response) {
      return response.text().then(function (html) {
        if (!response.ok) { status.innerHTML = html; return; }
        rows.insertAdjacentHTML("beforeend", html);
        if (window.htmx) { window.htmx.process(rows); }
        status.textContent = "Added what " + file.name + " holds to My learning.";
      });
    }).catch(function () { status.textContent = "Could not read " + file.name + "."; });
  }

  function setUpDrop() {
    var drop = document.getElementById("drop");
    var input = document.getElementById("badge-file");
    if (!drop || !input) { return; }
    input.addEventListener("change", function () { if (input.files.length) { readBadgeFile(input.files[0]); } });
    drop.addEventListener("dragover", function (e) { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
    drop.addEventListener("drop", function (e) {
      e.preventDefault(); drop.classList.remove("over");
      if (e.dataTransfer.files.length) { readBadgeFile(e.dataTransfer.files[0]); }
    });
  }

  // Registrar: "Preview impact" posts the change to POST /impact, then shows the answer with course names.
  function ruleFromForm(form) {
    var get = function (name) { var el = form.elements[name]; return el ? el.value.trim() : ""; };
    var rule = {};
    ["id", "kind", "granted_by", "valid_from", "valid_to", "status", "approved_by", "note", "source"].forEach(function (k) {
      if (get(k)) { rule[k] = get(k); }
    });
    if (get("max_age_years")) { rule.max_age_years = Number(get("max_age_years")); }
    try { rule.requires = JSON.parse(get("requires")); } catch (e) { rule.requires = get("requires"); }
    rule.grants = get("grants").split("\n").filter(function (l) { return l.trim(); }).map(function (line) {
      var parts = line.split("="); var g = { node: parts[0].trim() };
      if (parts.length > 1 && parts[1].trim()) { g.credits = Number(parts[1]); }
      return g;
    });
    return rule;
  }

  function previewImpact(button) {
    var form = button.closest("form");
    var out = form.querySelector(".impact");
    var change = button.dataset.impact === "end"
      ? { end: form.elements.id.value, date: form.elements.date.value }
      : { rule: ruleFromForm(form) };
    out.textContent = "Working out the impact…";
    fetch("/impact", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(change) })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (!response.ok) {
            var problems = (answer.errors || []).map(function (p) { return p.path + ": " + p.message; }).join("; ");
            out.textContent = "No impact preview (" + response.status + "): " + (answer.detail || "") + (problems ? " " + problems : "");
            return;
          }
          return fetch("/registrar/impact-view", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(answer) })
            .then(function (view) { return view.text(); })
            .then(function (html) { out.innerHTML = html; });
        });
      })
      .catch(function () { out.textContent = "The impact preview could not be reached."; });
  }

  // Transfer council: a node's neighbourhood drawn with cytoscape.js (the table beside it says the same).
  function drawGraph() {
    var box = document.getElementById("graph");
    var data = document.getElementById("graph-data");
    if (!box || !data || !window.cytoscape) { return; }
    window.cytoscape({
      container: box,
      elements: JSON.parse(data.textContent),
      layout: { name: "concentric", padding: 30, minNodeSpacing: 60,
                concentric: function (n) { return n.data("focus") ? 2 : 1; }, levelWidth: function () { return 1; } },
      style: [
        { selector: "node", style: { "label": "data(label)", "background-color": "#0a4f8a", "color": "#1b1b1b", "font-size": 11,
                                     "text-valign": "bottom", "text-margin-y": 4, "width": 18, "height": 18 } },
        { selector: "node[?focus]", style: { "background-color": "#b35900", "width": 26, "height": 26 } },
        { selector: "edge", style: { "label": "data(label)", "curve-style": "bezier", "target-arrow-shape": "triangle", "width": 2,
                                     "line-color": "#767676", "target-arrow-color": "#767676", "font-size": 9, "color": "#4a4a4a" } }
      ]
    });
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("[data-impact]") : null;
    if (button) { e.preventDefault(); previewImpact(button); }
  });
  document.addEventListener("DOMContentLoaded", function () { setUpDrop(); drawGraph(); });
}());
