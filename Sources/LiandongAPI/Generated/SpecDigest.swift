// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "f7feeed14569992cda7fabd63e90d1c53ed0cf9d069c483857d6e35411a845c9"
