// Essaim's JavaScript entry point. Every module only upgrades pages that already work
// without JavaScript (plain forms and links).
import { setupConfirm } from "./confirm.js";
import { setupReactions } from "./reactions.js";
import { setupAutocomplete } from "./autocomplete.js";

setupConfirm(document);
setupReactions(document);
setupAutocomplete(document);
