// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "89c6641679ad83e2b7a5f8f57488c55f2e2fb6eaaba25f039ca54bf6d15c94ff"
