// The component package's entry: serves the Mesh component (the whole topology as plain data) to Pulumi YAML
// programs and generated SDKs. It runs the package's code compiled into lib/ (tsconfig.lib.json): the install that
// Pulumi's Node.js host makes in this folder (`npm install`, whose `prepare` compiles ../core, ../sdk and ../provider)
// builds it in a fresh clone, `npm run build` in a checkout, and the npm package ships it built. Compiled here, not
// run from ../sdk, because the dependencies of a clone's plugin are installed in plugin/node_modules, where Node
// looks only for files under plugin/; and because the dynamic providers that Mesh registers are loaded by path by
// another process, which runs JavaScript only. The CLI reads the schema from this file's types and lib's
// declarations (with TypeScript 3.8, vendored by @pulumi/pulumi, when the user has none: hence target ES2019).
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { main } from "@pulumi/pulumi/provider";
import { Mesh } from "./lib/sdk/mesh";

/** The package's one public home: the Go SDK's module path and the registry's links derive from it. */
const home = "github.com/pulumi-multinet/pulumi-multinet";

/**
 * The schema as Pulumi's own packages carry it: who publishes it and where (the registry's page and `pulumi package
 * add` show these), and each SDK's package name. No `pluginDownloadURL`: the CLI records the git URL a package was
 * added from, and a fixed one would send engines to a host that does not serve it yet.
 */
const metadata = {
    publisher: "pulumi-multinet",
    // As `pulumi package add` derives it from the git URL's owner, so a local path and the URL give the same SDKs.
    namespace: "pulumi-multinet",
    homepage: `https://${home}`,
    repository: `https://${home}`,
    license: "Apache-2.0",
    keywords: ["pulumi", "kubernetes", "istio", "multicluster", "multi-network", "east-west-gateway", "category/network", "kind/component"],
};
const languages = {
    // `go get` fetches the module sdks/go of the repository; generateExtraInputTypes: without it Go's generator leaves
    // out MeshClusterArgs (an object first met as the items of a plain array) and the SDK does not compile.
    go: { importBasePath: `${home}/sdks/go/multinet`, generateExtraInputTypes: true },
    python: { packageName: "pulumi_multinet" },
};

class MultinetProvider extends ComponentProvider {
    async getSchema(): Promise<string> {
        const schema = JSON.parse(await super.getSchema());
        for (const [language, options] of Object.entries(languages))
            schema.language[language] = { ...schema.language[language], ...options };
        return JSON.stringify({ ...schema, ...metadata });
    }
}

main(new MultinetProvider({ components: [Mesh], name: "multinet", dirname: __dirname }), process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
});
