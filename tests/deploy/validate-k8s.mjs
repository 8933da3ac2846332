// Validates Kubernetes manifests against the API's JSON schemas that kubernetes-models bundles
// (offline: no cluster, nothing downloaded at run time). Usage: node validate-k8s.mjs FILE...
// Prints one JSON line per document {file, index, apiVersion, kind, name, ok, error?} and exits 1
// if any document is invalid or of a kind the package does not know.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

async function modelOf(apiVersion, kind) {
  // "apps/v1" -> kubernetes-models/apps/v1, "v1" -> kubernetes-models/v1
  const mod = await import(`kubernetes-models/${apiVersion}`);
  return mod[kind];
}

let failed = false;
for (const file of process.argv.slice(2)) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  for (const [index, doc] of docs.entries()) {
    const report = { file, index };
    try {
      if (doc.errors.length) throw new Error(doc.errors.map(String).join("; "));
      const obj = doc.toJS();
      if (obj === null) continue; // an empty document (a trailing ---)
      Object.assign(report, { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata?.name });
      const Model = await modelOf(obj.apiVersion, obj.kind);
      if (typeof Model !== "function") throw new Error(`unknown kind ${obj.apiVersion} ${obj.kind}`);
      new Model(obj).validate();
      report.ok = true;
    } catch (err) {
      report.ok = false;
      report.error = String(err.message || err).slice(0, 2000);
      failed = true;
    }
    console.log(JSON.stringify(report));
  }
}
process.exit(failed ? 1 : 0);
