// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "7300a9e9e52b0546412459b48b505b14474ddd97b6b277ebee627d4d45107aa3"
