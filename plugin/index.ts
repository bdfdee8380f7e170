// The component package's entry: serves the Mesh component (the whole topology as plain data) to Pulumi YAML
// programs and generated SDKs. It runs the package's built code (npm run build), so that the dynamic providers it
// registers find their provider module by path from any program's folder.
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { Mesh } from "../dist/sdk/mesh";

componentProviderHost({ components: [Mesh], name: "multinet", dirname: __dirname }).catch((e) => {
    console.error(e);
    process.exit(1);
});
