// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "d23123e0811187d2d45bda5a9dbaa3b323bad21d00cd47e96225978ca43aebf7"
