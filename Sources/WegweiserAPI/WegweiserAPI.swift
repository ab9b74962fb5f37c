// The types and the server protocol of this module are generated at build time from
// `openapi.yaml` (a link to the contract at the package root) by the
// swift-openapi-generator plugin. Only WegweiserServer imports them; handlers there map
// them to domain types and back.
