/** The request limits of DESIGN §8 that parsing enforces. */
export interface RequestLimits {
  maxRows: number;
  maxStringLength: number;
  /** Most elements in one input tensor (PLUMBLINE_MAX_TENSOR_ELEMENTS); unlimited when absent. */
  maxTensorElements?: number;
}
