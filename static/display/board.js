// Wall screen: polls the hall's aggregates every few seconds and redraws the numbers.
// Keeps the last good data on screen when the network drops, and says so.
(function () {
  "use strict";
  const board = document.getElementById("board");
  const POLL_MS = Number(board.dataset.pollSeconds) * 1000;
  const $ = (id) => document.getElementById(id);
  const t = board.dataset;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function pct(rate) { return rate === null || rate === undefined ? t.noData : rate.toFixed(2) + "%"; }

  function bar(rate, cls) {
    const outer = el("span", cls);
    outer.setAttribute("aria-hidden", "true");  // the number beside it says the same
    const fill = el("span", "fill");
    fill.style.width = (rate || 0) + "%";
    outer.appendChild(fill);
    return outer;
  }

  function renderWindows(windows) {
    const rows = windows.map((w) => {
      const tr = el("tr");
      const name = el("th");
      name.scope = "row";
      name.append(el("span", "code", w.code), el("span", "wname", w.name));
      const cell = el("td");
      const inner = el("div", "rate-cell");
      inner.append(bar(w.good_rate, "bar"), el("span", "value" + (w.total ? "" : " no-data"), pct(w.good_rate)));
      cell.appendChild(inner);
      tr.append(name, el("td", "num", String(w.total)), el("td", "num", String(w.bad)), cell);
      return tr;
    });
    $("window-rows").replaceChildren(...rows);
  }

  function renderTrend(week, today) {
    const items = week.map((d) => {
      const li = el("li", "trend-day" + (d.date === today ? " today" : ""));
      const col = el("span", "col");
      col.setAttribute("aria-hidden", "true");
      const fill = el("span");
      fill.style.height = (d.good_rate || 0) + "%";
      col.appendChild(fill);
      const label = d.date === today ? t.todayLabel : d.date.slice(5).replace("-", "/");
      li.append(el("span", "pct", pct(d.good_rate)), col, el("span", "day", label),
                el("span", "n", d.total + " " + t.countUnit));
      return li;
    });
    $("trend-days").replaceChildren(...items);
  }

  function setRate(id, rate) {
    $(id).textContent = pct(rate);
    $(id).classList.toggle("empty", rate === null || rate === undefined);
  }

  function renderCases(cases) {
    $("cases").hidden = !cases;
    if (!cases) return;
    $("cases-open").textContent = cases.open ?? 0;
    $("cases-overdue").textContent = cases.overdue ?? 0;
    setRate("cases-rate", cases.on_time_rate);
  }

  function render(data) {
    $("updated").textContent = data.updated;
    $("kpi-total").textContent = data.hall.total;
    setRate("kpi-rate", data.hall.good_rate);
    $("kpi-bad").textContent = data.hall.bad;
    renderWindows(data.windows);
    renderTrend(data.week, data.date);
    renderCases(data.cases);
  }

  async function poll() {
    try {
      const r = await fetch(t.url, { cache: "no-store" });
      if (!r.ok) throw new Error(String(r.status));
      render(await r.json());
      $("offline").textContent = "";
    } catch (e) {
      $("offline").textContent = t.offline;
    }
    setTimeout(poll, POLL_MS);
  }

  poll();
})();
