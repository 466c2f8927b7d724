// Print every cell of an .xlsx as SheetJS (npm xlsx) reads it, as JSON, for the tests to
// compare with what an export wrote: node tests/support/sheetjs_cells.js FILE
//
// Output: [{"name": sheet name, "rows": [[cell, ...], ...]}, ...], rows from the sheet's first
// row and column (A1), an empty cell as null, otherwise [type, value]: ["s", text],
// ["n", number], ["b", true/false], ["e", error text] or ["d", [y, m, d, H, M, S]] for a
// number shown in a date format (the date's parts as SheetJS reads them, no time zone).
"use strict";

const XLSX = require("xlsx");

function cell(found) {
  if (found === undefined || found.t === "z") return null;
  if (found.t === "n" && found.z && XLSX.SSF.is_date(found.z)) {
    const d = XLSX.SSF.parse_date_code(found.v);
    return ["d", [d.y, d.m, d.d, d.H, d.M, Math.round(d.S)]];
  }
  if (found.t === "e") return ["e", found.w];
  return [found.t, found.v];
}

const book = XLSX.readFile(process.argv[2], { cellDates: false, cellNF: true });
const sheets = book.SheetNames.map((name) => {
  const sheet = book.Sheets[name];
  const rows = [];
  if (sheet["!ref"]) {
    const range = XLSX.utils.decode_range(sheet["!ref"]);
    for (let r = 0; r <= range.e.r; r += 1) {
      const row = [];
      for (let c = 0; c <= range.e.c; c += 1) {
        row.push(cell(sheet[XLSX.utils.encode_cell({ r, c })]));
      }
      rows.push(row);
    }
  }
  return { name, rows };
});
process.stdout.write(JSON.stringify(sheets));
