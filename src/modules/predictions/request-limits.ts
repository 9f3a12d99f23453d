/** The request limits of DESIGN §8 that parsing enforces. */
export interface RequestLimits {
  maxRows: number;
  maxStringLength: number;
}
