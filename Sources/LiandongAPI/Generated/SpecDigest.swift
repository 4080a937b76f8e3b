// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "754fd1f473e91ce6ada929d2186679f3773cc10123b43e0e42e93a11317f1a26"
