// On a phone a table of six columns is wider than the screen. Tables marked `class="table stack"` show each row as a
// card of "column: value" lines on narrow screens (style.css); this gives every cell its column's name as data-label,
// and keeps doing so as the page redraws its rows.

/** Copies each column's header text onto the cells of that column (empty header: no label). */
export function labelCells(table: HTMLTableElement): void {
  const names = [...(table.tHead?.rows[0]?.cells ?? [])].map((th) => th.textContent?.trim() ?? '');
  for (const body of table.tBodies)
    for (const row of body.rows)
      [...row.cells].forEach((cell, i) => {
        const name = names[i];
        if (name) {
          if (cell.dataset.label !== name) cell.dataset.label = name;
        } else delete cell.dataset.label;
      });
}

/** Labels every `table.stack` under `root` now and whenever its rows change. */
export function stackTables(root: ParentNode = document): void {
  for (const table of root.querySelectorAll<HTMLTableElement>('table.stack')) {
    labelCells(table);
    // Only rows and cells coming and going matter; attribute changes (the labels themselves) are not observed.
    new MutationObserver(() => labelCells(table)).observe(table, { childList: true, subtree: true });
  }
}
