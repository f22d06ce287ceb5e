// What other features may use of settings/: the request schema and answer, for the OpenAPI document.
export { patchSchema as settingsPatchSchema, settingsView } from "./account-settings.ts";
