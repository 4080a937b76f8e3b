// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "be124e484fc150407b84f4b66d1b2dfd351b59bf3055193823b8626eebe3664f"
