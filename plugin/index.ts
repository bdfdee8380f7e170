// The component package's entry: serves the Mesh component (the whole topology as plain data) to Pulumi YAML
// programs and generated SDKs. `npm run build` compiles it to index.js, the entry that runs: a package installed
// under node_modules is not compiled on the fly, and the CLI reads the schema from this file's types
// (TypeScript 3.8, vendored by @pulumi/pulumi, when the user has none: hence target ES2019). It runs the package's
// built code, so that the dynamic providers it registers find their provider module by path from any program's folder.
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { Mesh } from "../dist/sdk/mesh";

componentProviderHost({ components: [Mesh], name: "multinet", dirname: __dirname }).catch((e) => {
    console.error(e);
    process.exit(1);
});
