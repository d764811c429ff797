/* Application forms in the browser: the rules mirrored from the server (which stays the
   authority), repeating tables, and keys for a clerk at a counter. No network asset. */
(function () {
  "use strict";

  /* ---- the item filter of the intake page ----
     An item is found by its name, its code and its declared keywords (低保 for 城乡最低生活
     保障对象认定); the best match comes first, so Enter opens it: a word typed whole, then a
     name or word it begins, then any it contains. */
  var filter = document.getElementById("portal-filter");
  if (filter) {
    var body = document.querySelector(".portal-choose tbody");
    var rows = Array.prototype.slice.call(document.querySelectorAll(".portal-choose tbody tr[data-name]"));
    var match = function (row, q) {
      var name = row.getAttribute("data-name").toLowerCase();
      var words = (row.getAttribute("data-keywords") || "").toLowerCase().split(" ").filter(Boolean);
      var all = [name, row.getAttribute("data-code").toLowerCase()].concat(words);
      if (all.indexOf(q) >= 0) return 0;
      if (all.some(function (w) { return w.indexOf(q) === 0; })) return 1;
      if (all.some(function (w) { return w.indexOf(q) >= 0; })) return 2;
      return -1;
    };
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      var ranked = rows.map(function (row, i) { return [q === "" ? 0 : match(row, q), i, row]; });
      ranked.forEach(function (r) { r[2].hidden = r[0] < 0; });
      ranked.sort(function (a, b) { return (a[0] < 0) - (b[0] < 0) || a[0] - b[0] || a[1] - b[1]; });
      ranked.forEach(function (r) { body.appendChild(r[2]); });
    });
    filter.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") return;
      var first = Array.prototype.slice.call(body.querySelectorAll("tr[data-name]"))
        .filter(function (r) { return !r.hidden; })[0];
      if (first) { e.preventDefault(); first.querySelector("a").click(); }
    });
  }

  var form = document.getElementById("portal-application");
  var rulesNode = document.getElementById("portal-rules");
  if (!form || !rulesNode) return;
  var R = JSON.parse(rulesNode.textContent);

  /* ---- reading values, as the server's rules see them ---- */
  function scalar(kind, text) {
    if (text === null || text === undefined) return null;
    text = String(text).trim();
    if (text === "") return null;
    if (kind === "number") { try { return new D(text); } catch (e) { return null; } }
    return text;
  }
  var IDENTIFIERS = { id_card: true, uscc: true };  /* the types the server normalises */
  function inputs(name, root) {
    return Array.prototype.slice.call((root || form).querySelectorAll('[name="' + name + '"]'));
  }
  function read(name, spec, root) {
    var els = inputs(name, root);
    if (spec.type === "yesno") {
      var on = els.filter(function (e) { return e.checked; })[0];
      return on ? on.value === "yes" : null;
    }
    if (spec.type === "multichoice") {
      return els.filter(function (e) { return e.checked; }).map(function (e) { return e.value; });
    }
    if (spec.type === "upload") {
      var files = els[0] && els[0].files ? Array.prototype.slice.call(els[0].files) : [];
      var kept = inputs(name + "__kept").filter(function (e) { return e.checked; });
      return files.concat(kept);
    }
    if (spec.type === "table") {
      var out = [];
      form.querySelectorAll('table[data-table="' + name + '"] tbody tr.portal-row').forEach(function (tr) {
        var row = {};
        Object.keys(spec.columns).forEach(function (col) {
          var cell = tr.querySelector('[name$="-' + col + '"]');
          row[col] = cell ? scalar(spec.columns[col], cell.value) : null;
        });
        out.push(row);
      });
      return out;
    }
    var checked = els.filter(function (e) { return e.type === "radio"; });
    if (checked.length) {
      var picked = checked.filter(function (e) { return e.checked; })[0];
      return picked ? picked.value : null;
    }
    if (!els[0]) return null;
    /* an identifier as the server stores it before working anything out from it
       (portal/forms/identifiers.py normalised): full-width １２３ and Ｘ from an input method
       become 123 and X, capitals, no spaces — else a 居民身份证 typed full-width gave the
       server an age and the browser none */
    return scalar(spec.kind, IDENTIFIERS[spec.type]
      ? els[0].value.normalize("NFKC").replace(/\s+/g, "").toUpperCase() : els[0].value);
  }

  /* ---- the expression language (same tree and meaning as portal/forms/expr.py) ----
     Numbers are exact decimals (decimal.js, the precision and rounding of Python's Decimal), so
     0.1 + 0.2 == 0.3 here as on the server; dates are YYYY-MM-DD and a number of days is added
     to or taken from them; a date less a date is the days between. tests/golden/ holds the
     cases both evaluators must agree on. */
  var D = window.Decimal.clone({ precision: 28, rounding: window.Decimal.ROUND_HALF_EVEN });
  var DATE = /^\d{4}-\d{2}-\d{2}$/;
  function isNum(x) { return x instanceof D; }
  function isDate(x) { return typeof x === "string" && DATE.test(x); }
  function num(x) {  /* a value as the server reads it: numbers exact, "" nothing */
    if (typeof x === "number") return new D(x);
    if (x === "" || x === undefined) return null;
    return x;
  }
  function present(list) { return (list || []).filter(function (v) { return v !== null; }); }
  function iso(d) { return d.toISOString().substr(0, 10); }
  function isoToday() {
    var d = new Date(), m = d.getMonth() + 1, day = d.getDate();
    return d.getFullYear() + "-" + (m < 10 ? "0" : "") + m + "-" + (day < 10 ? "0" : "") + day;
  }
  function addDays(date, days) {
    var d = new Date(date + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + days.toNumber());
    return iso(d);
  }
  function same(a, b) { return isNum(a) && isNum(b) ? a.eq(b) : a === b; }
  function extreme(pick) {
    return function (c) {
      var p = present(c);
      return p.length ? p.reduce(function (a, b) { return pick(a.cmp(b)) ? a : b; }) : null;
    };
  }
  var FUNCTIONS = {
    sum: function (c) { return present(c).reduce(function (a, b) { return a.plus(b); }, new D(0)); },
    count: function (rows) { return new D((rows || []).length); },
    min: extreme(function (c) { return c <= 0; }),
    max: extreme(function (c) { return c >= 0; }),
    round: function (x, n) {
      return x === null || n === null ? null : x.toDecimalPlaces(n.toNumber(), D.ROUND_HALF_UP);
    },
    len: function (t) { return new D(t ? Array.from(t).length : 0); },
    empty: function (v) { return v === null || v === "" || (Array.isArray(v) && v.length === 0); },
    age: function (born) {
      if (!born) return null;
      var s = String(born), date = /^\d{17}[\dXx]$/.test(s) ? s.substr(6, 4) + "-" + s.substr(10, 2) + "-" + s.substr(12, 2) : s;
      var t = isoToday(), years = Number(t.substr(0, 4)) - Number(date.substr(0, 4));
      return isNaN(years) ? null : new D(years - (t.substr(5) < date.substr(5, 5) ? 1 : 0));
    },
    today: function () { return isoToday(); }
  };
  function arith(op, a, b) {
    if (a === null || b === null) return null;
    if (isDate(a) && isDate(b)) return new D((Date.parse(a) - Date.parse(b)) / 86400000);
    if (isDate(a)) return addDays(a, op === "+" ? b : b.neg());
    if (isDate(b)) return addDays(b, op === "+" ? a : a.neg());
    if (op === "+") return a.plus(b);
    if (op === "-") return a.minus(b);
    if (op === "*") return a.times(b);
    return b.isZero() ? null : a.div(b);
  }
  function evaluate(node, v) {
    var op = node[0], a, b;
    switch (op) {
      case "lit": return node[1];
      case "num": return new D(node[1]);
      case "field": return num(v[node[1]]);
      case "col": return (v[node[1]] || []).map(function (row) { return num(row[node[2]]); });
      case "list": return node[1].map(function (x) { return evaluate(x, v); });
      case "and": return node[1].every(function (x) { return evaluate(x, v) === true; });
      case "or": return node[1].some(function (x) { return evaluate(x, v) === true; });
      case "not": return evaluate(node[1], v) !== true;
      case "neg": a = evaluate(node[1], v); return a === null ? null : a.neg();
      case "if": return evaluate(evaluate(node[1], v) === true ? node[2] : node[3], v);
      case "call": return FUNCTIONS[node[1]].apply(null, node[2].map(function (x) { return evaluate(x, v); }));
      case "bin": return arith(node[1], evaluate(node[2], v), evaluate(node[3], v));
      case "cmp":
        a = evaluate(node[2], v); b = evaluate(node[3], v);
        if (node[1] === "in" || node[1] === "not in") {
          var has = function (x) { return b.some(function (y) { return same(x, y); }); };
          var found = b !== null && (Array.isArray(a) ? a.some(has) : has(a));
          return node[1] === "in" ? found : !found;
        }
        if (node[1] === "==") return same(a, b);
        if (node[1] === "!=") return !same(a, b);
        if (a === null || b === null) return false;
        var c = isNum(a) ? a.cmp(b) : (a < b ? -1 : a > b ? 1 : 0);
        return { "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0 }[node[1]];
    }
    return null;
  }

  /* ---- applying the rules ---- */
  function show(el, on) { if (!el) return; el.classList.toggle("portal-hidden", !on); el.hidden = !on; }
  function format(spec, value) {
    if (value === null || value === undefined) return "";
    if (isNum(value)) {
      if (spec.type === "money") return value.toFixed(2, D.ROUND_HALF_UP);
      if (spec.type === "integer") return value.toFixed(0, D.ROUND_HALF_UP);
      return value.toDecimalPlaces(2, D.ROUND_HALF_UP).toString();
    }
    return String(value);
  }
  function apply() {
    var values = {}, sectionShown = {};
    Object.keys(R.sections).forEach(function (s) { sectionShown[s] = null; });
    R.order.forEach(function (name) {
      var spec = R.fields[name], box = form.querySelector('[data-field="' + name + '"]');
      if (sectionShown[spec.section] === null) {
        var test = R.sections[spec.section];
        sectionShown[spec.section] = !test || evaluate(test, values) === true;
        show(form.querySelector('[data-section="' + spec.section + '"]'), sectionShown[spec.section]);
      }
      // a staff-only field is not on an online application: empty, as the server holds it
      var visible = !spec.staff && sectionShown[spec.section] && (!spec.rules.visible_if || evaluate(spec.rules.visible_if, values) === true);
      var required = false, readonly = false, value = read(name, spec);
      if (!visible) {
        value = null;
      } else if (spec.compute) {
        value = evaluate(spec.compute, values);
        readonly = true;
        if (spec.type === "yesno") {
          inputs(name).forEach(function (e) { e.checked = (e.value === "yes") === value && value !== null; });
        } else {
          inputs(name).forEach(function (e) { e.value = format(spec, value); });
        }
      } else {
        required = spec.required || (spec.rules.required_if && evaluate(spec.rules.required_if, values) === true);
        readonly = !!(spec.rules.readonly_if && evaluate(spec.rules.readonly_if, values) === true);
      }
      values[name] = value;
      if (!box) return;
      show(box, visible);
      var star = box.querySelector(".portal-required");
      if (star) star.hidden = !required;
      if (!spec.compute) {
        inputs(name).forEach(function (e) {
          if (e.tagName === "SELECT" || e.type === "radio" || e.type === "checkbox" || e.type === "file") e.disabled = readonly;
          else e.readOnly = readonly;
        });
      }
    });
  }

  /* ---- repeating tables ---- */
  function renumber(table) {
    table.querySelectorAll("tbody tr.portal-row").forEach(function (tr, i) {
      var cell = tr.querySelector(".portal-row-number");
      if (cell) cell.textContent = String(i + 1);
    });
  }
  var nextIndex = {};
  form.querySelectorAll(".portal-row-add").forEach(function (button) {
    var name = button.getAttribute("data-table");
    var table = form.querySelector('table[data-table="' + name + '"]');
    nextIndex[name] = table.querySelectorAll("tbody tr.portal-row").length + 1000;
    button.addEventListener("click", function () {
      var max = table.getAttribute("data-max");
      if (max && table.querySelectorAll("tbody tr.portal-row").length >= Number(max)) return;
      var template = document.querySelector('template.portal-row-template[data-table="' + name + '"]');
      var html = template.innerHTML.split("__i__").join(String(nextIndex[name]++));
      var body = table.querySelector("tbody");
      body.insertAdjacentHTML("beforeend", html);
      renumber(table);
      var first = body.lastElementChild.querySelector("input, select, textarea");
      if (first) first.focus();
      apply();
    });
  });
  form.addEventListener("click", function (e) {
    if (!e.target.classList.contains("portal-row-remove")) return;
    var tr = e.target.closest("tr"), table = e.target.closest("table");
    tr.parentNode.removeChild(tr);
    renumber(table);
    apply();
  });

  /* ---- keys: Enter moves on, Ctrl+Enter submits, Ctrl+S saves a draft ---- */
  function focusables() {
    var seenGroups = {};
    return Array.prototype.slice.call(form.querySelectorAll("input, select, textarea, button")).filter(function (e) {
      if (e.disabled || e.type === "hidden" || e.tabIndex < 0 || e.offsetParent === null) return false;
      if (e.type !== "radio") return true;
      /* a group of radio buttons is one stop, as with Tab: arrows choose inside it */
      if (seenGroups[e.name]) return false;
      seenGroups[e.name] = true;
      return true;
    });
  }
  form.addEventListener("keydown", function (e) {
    var submit = document.getElementById("portal-submit"), draft = document.getElementById("portal-draft");
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && submit) { e.preventDefault(); submit.click(); return; }
    if ((e.ctrlKey || e.metaKey) && (e.key === "s" || e.key === "S") && draft) { e.preventDefault(); draft.click(); return; }
    var t = e.target;
    var moves = (t.tagName === "INPUT" && ["submit", "button", "file"].indexOf(t.type) < 0) || t.tagName === "SELECT";
    if (e.key === "Enter" && moves) {
      e.preventDefault();
      var list = focusables().filter(function (x) { return x.tagName !== "BUTTON" || x === t; });
      var i = list.indexOf(t);
      if (i < 0 && t.type === "radio") {  /* from any button of a group: on to the next field */
        i = list.findIndex(function (x) { return x.type === "radio" && x.name === t.name; });
      }
      if (i >= 0 && i + 1 < list.length) list[i + 1].focus();
    }
  });

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  apply();
  if (form.hasAttribute("data-preview")) {  /* the designer's preview never submits */
    form.addEventListener("submit", function (e) { e.preventDefault(); });
  } else {
    var firstError = form.querySelector(".has-error input, .has-error select, .has-error textarea");
    var start = firstError || focusables()[0];
    if (start) start.focus();
  }
  window.portalForms = { evaluate: evaluate, apply: apply };
})();

/* The designer's field editor shows only what the chosen type takes. */
(function () {
  "use strict";
  var keysNode = document.getElementById("portal-type-keys");
  if (!keysNode) return;
  var keys = JSON.parse(keysNode.textContent);
  var editor = keysNode.closest("form");
  var type = editor.querySelector("[name=type]");
  var specific = {};
  Object.keys(keys).forEach(function (t) { keys[t].forEach(function (k) { specific[k] = true; }); });
  function update() {
    editor.querySelectorAll("[data-editor]").forEach(function (group) {
      var key = group.getAttribute("data-editor");
      group.hidden = specific[key] === true && keys[type.value].indexOf(key) < 0;
    });
  }
  type.addEventListener("change", update);
  update();
})();
