// Starts the Cloud Storage emulator of firebase-tools (its GCS JSON API: uploads of every kind,
// ranged reads, list, delete) on the host and port given, for the gs:// tests.
// firebase-tools would also start Firebase's security-rules runtime, a Java jar it downloads on
// first use; the GCS JSON API never consults it (its requests are served as an admin), so it is
// not started: this machine reaches no download host.
"use strict";
const path = require("path");
const [tools, host, port] = process.argv.slice(2);
const lib = path.join(path.resolve(tools), "node_modules", "firebase-tools", "lib", "emulator", "storage");
const { StorageRulesRuntime } = require(path.join(lib, "rules", "runtime"));
StorageRulesRuntime.prototype.start = async function () {};
StorageRulesRuntime.prototype.stop = async function () {};
const { StorageEmulator } = require(path.join(lib, "index"));
const { EmulatorRegistry } = require(path.join(lib, "..", "registry"));
const emulator = new StorageEmulator({ projectId: "demo-cairn", host, port: Number(port), rules: [], auto_download: false });
// The registry tells the emulator its own address (for the links in object metadata).
EmulatorRegistry.start(emulator).then(
    () => console.log(`Cloud Storage emulator on http://${host}:${port}`),
    (e) => { console.error(e); process.exit(1); });
const stop = () => EmulatorRegistry.stop(emulator.getName()).finally(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
