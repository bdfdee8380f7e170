// Each jest worker uses its own bed (see bed-global-setup.ts). Set before any test module loads the bed's paths,
// and so without importing them here.
process.env.MULTINET_BED_RUN = `${process.env.MULTINET_BED_RUN_PREFIX}${process.env.JEST_WORKER_ID ?? 1}`;
