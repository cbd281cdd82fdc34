// Validates Kubernetes manifests twice: against the Kubernetes API's JSON schemas (kubernetes-models: types, formats, enums, required
// fields), and, because those schemas allow any extra field, by type-checking each object as a literal of its TypeScript type
// (kubernetes-types, strict excess-property checks) so that a misspelt field is an error too. Each check is first shown to fail on
// broken copies of the manifests, so that a validator that accepted everything could not pass.
//
//   node validate.mjs FILE.yaml...          (run by validate.sh, which installs the packages in a temporary folder)
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { parseAllDocuments } from "yaml";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs FILE.yaml...");
  process.exit(2);
}

// "batch/v1" + "Job" -> the module of the model and of the type.
function parts(doc) {
  const [group, version] = doc.apiVersion.includes("/") ? doc.apiVersion.split("/") : ["", doc.apiVersion];
  return { group, version, kind: doc.kind };
}

async function schemaErrors(doc) {
  const { group, version, kind } = parts(doc);
  const module = await import(`kubernetes-models/${group ? group + "/" : ""}${version}/${kind}`);
  try {
    new module[kind](doc).validate();
    return null;
  } catch (e) {
    return e.message;
  }
}

function typeErrors(docs, folder) {
  const lines = [];
  docs.forEach(({ doc }, i) => {
    const { group, version, kind } = parts(doc);
    const from = `kubernetes-types/${group ? group + "/" : "core/"}${version}`;
    lines.push(`import type { ${kind} as T${i} } from "${from}";`);
    lines.push(`export const m${i}: T${i} = ${JSON.stringify(doc, null, 2)};`);
  });
  const file = path.join(folder, `check-${process.pid}-${Math.random().toString(36).slice(2)}.ts`);
  fs.writeFileSync(file, lines.join("\n") + "\n");
  try {
    execFileSync(path.join(folder, "node_modules", ".bin", "tsc"),
      ["--noEmit", "--strict", "--skipLibCheck", "--target", "es2020", "--moduleResolution", "node", file], { encoding: "utf8" });
    return null;
  } catch (e) {
    return (e.stdout || e.message).trim();
  } finally {
    fs.rmSync(file);
  }
}

const folder = process.cwd();
const docs = [];
for (const file of files) {
  for (const d of parseAllDocuments(fs.readFileSync(file, "utf8"))) {
    if (d.errors.length > 0) {
      console.error(`${file}: not YAML: ${d.errors[0].message}`);
      process.exit(1);
    }
    const doc = d.toJS();
    if (doc) docs.push({ file, doc });
  }
}

// The validators must catch errors: a field of the wrong type, a missing required field, a misspelt field.
const broken = structuredClone(docs[0].doc);
broken.spec.template.spec.containers[0].image = 42;
const missing = structuredClone(docs[0].doc);
delete missing.spec.template.spec.containers[0].name;
const misspelt = structuredClone(docs[0].doc);
misspelt.spec.template.spec.containers[0].volumeMount = [];
if (!(await schemaErrors(broken)) || !(await schemaErrors(missing)))
  throw new Error("the schema validation accepted a broken manifest: it cannot be trusted");
if (!typeErrors([{ doc: misspelt }], folder)) throw new Error("the type check accepted a misspelt field: it cannot be trusted");

let failed = false;
for (const { file, doc } of docs) {
  const error = await schemaErrors(doc);
  const name = `${file}: ${doc.kind} ${doc.metadata?.name}`;
  if (error) {
    failed = true;
    console.error(`${name}: ${error}`);
  } else console.log(`${name}: matches the Kubernetes schema`);
}
const types = typeErrors(docs, folder);
if (types) {
  failed = true;
  console.error(`type check (unknown or misspelt fields):\n${types}`);
} else console.log(`${docs.length} manifest(s): no unknown field`);
process.exit(failed ? 1 : 0);
