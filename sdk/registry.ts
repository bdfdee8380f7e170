// What the components of one mesh know of each other while a program runs: plain facts (group names and
// members, gateway clusters), registered by the components and read for the cross-resource rules. Components
// depend on this registry, not on each other.
import type { GatewayView, GroupView } from "../core/rules";

export class MeshRegistry {
    readonly groups: GroupView[] = [];
    readonly gateways: GatewayView[] = [];
    /** How many Interconnects of this mesh the program declares. */
    interconnects = 0;
}
