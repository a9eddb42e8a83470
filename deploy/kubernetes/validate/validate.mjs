// SPDX-License-Identifier: MIT
// node validate.mjs <manifest.yaml>...: every document of each file is checked against the
// Kubernetes API schema of its apiVersion/kind, with the validators of the npm package
// kubernetes-models (generated from the Kubernetes OpenAPI specification). An unknown
// kind, a schema violation or a YAML error fails; kustomize's Kustomization is skipped.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const groupPath = (apiVersion) => {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  return group === "" ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
};

let failed = 0;
let checked = 0;
for (const file of process.argv.slice(2)) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  for (const doc of docs) {
    const where = `${file}:${doc.range ? doc.contents?.range?.[0] ?? 0 : 0}`;
    if (doc.errors.length) {
      console.log(`FAIL ${file}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      failed++;
      continue;
    }
    const obj = doc.toJS();
    if (obj === null) continue;
    const { apiVersion, kind } = obj;
    const name = `${kind ?? "?"} ${obj.metadata?.name ?? "?"}`;
    if (apiVersion === "kustomize.config.k8s.io/v1beta1" && kind === "Kustomization") {
      console.log(`skip ${file}: ${name} (kustomize, not an API object)`);
      continue;
    }
    let Model;
    try {
      Model = (await import(groupPath(String(apiVersion))))[kind];
    } catch {
      Model = undefined;
    }
    if (!Model) {
      console.log(`FAIL ${file}: ${name}: no API schema for ${apiVersion} ${kind}`);
      failed++;
      continue;
    }
    try {
      new Model(obj).validate();
      console.log(`ok   ${file}: ${apiVersion} ${name}`);
      checked++;
    } catch (e) {
      console.log(`FAIL ${file}: ${apiVersion} ${name}: ${e.message}`);
      for (const d of e.errors ?? []) console.log(`       ${d.instancePath} ${d.message}`);
      failed++;
    }
  }
}
console.log(`${checked} passed, ${failed} failed`);
process.exit(failed || !checked ? 1 : 0);
