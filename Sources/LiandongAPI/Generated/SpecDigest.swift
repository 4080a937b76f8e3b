// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "881d1e5d7d008b31a6126d29447a90bdd18e827df91a1037598a73fad3b60555"
