// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "1e1c76403539eb285027d3d018d1e6c20963a09d5dcde1f7f81db6a8406fe84e"
