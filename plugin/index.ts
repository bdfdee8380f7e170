// The component package's entry: serves the Mesh component (the whole topology as plain data) to Pulumi YAML
// programs and generated SDKs. It runs the package's code compiled into lib/ (tsconfig.lib.json): the install that
// Pulumi's Node.js host makes in this folder (`npm install`, whose `prepare` compiles ../core, ../sdk and ../provider)
// builds it in a fresh clone, `npm run build` in a checkout, and the npm package ships it built. Compiled here, not
// run from ../sdk, because the dependencies of a clone's plugin are installed in plugin/node_modules, where Node
// looks only for files under plugin/; and because the dynamic providers that Mesh registers are loaded by path by
// another process, which runs JavaScript only. The CLI reads the schema from this file's types and lib's
// declarations (with TypeScript 3.8, vendored by @pulumi/pulumi, when the user has none: hence target ES2019).
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { Mesh } from "./lib/sdk/mesh";

componentProviderHost({ components: [Mesh], name: "multinet", dirname: __dirname }).catch((e) => {
    console.error(e);
    process.exit(1);
});
