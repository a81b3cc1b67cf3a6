// Draws the trend (by week, month or quarter) as an SVG bar chart from the table on the page.
// Progressive enhancement: without this script the table shows the same numbers.
const SVG = "http://www.w3.org/2000/svg";

function element(name, attributes) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

function drawTrend(container) {
  const table = document.getElementById(container.dataset.table);
  if (!table) return;
  const points = [];
  for (const row of table.tBodies[0].rows) {
    const period = row.querySelector("[data-period]");
    const cell = row.querySelector("[data-value]");
    if (!period || !cell) continue;
    const value = Number(cell.dataset.value);
    points.push({ period: period.dataset.period, value: Number.isFinite(value) ? value : null });
  }
  if (points.length === 0) return;
  const width = 640, height = 240, left = 40, bottom = 30, top = 10;
  const largest = Math.max(5, ...points.map((p) => p.value || 0));
  const step = (width - left) / points.length;
  const svg = element("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
  svg.appendChild(element("line", { x1: left, y1: height - bottom, x2: width, y2: height - bottom, class: "app-axis" }));
  const label = element("text", { x: 0, y: top + 10 });
  label.textContent = String(largest);
  svg.appendChild(label);
  points.forEach((point, index) => {
    if (!point.value) return; // withheld ([c]) or zero: no bar
    const barHeight = ((height - bottom - top) * point.value) / largest;
    svg.appendChild(element("rect", {
      x: left + index * step + 2, y: height - bottom - barHeight,
      width: Math.max(1, step - 4), height: barHeight, class: "app-bar",
    }));
  });
  const first = element("text", { x: left, y: height - 8 });
  first.textContent = points[0].period;
  svg.appendChild(first);
  const last = element("text", { x: width, y: height - 8, "text-anchor": "end" });
  last.textContent = points[points.length - 1].period;
  svg.appendChild(last);
  container.appendChild(svg);
}

document.querySelectorAll(".app-trend-chart").forEach(drawTrend);
