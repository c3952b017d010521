"""Digit crops -> predictions: model card, ONNX Runtime engine, batched predictor."""
