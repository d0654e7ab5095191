// Ordinary least squares of y on x: the soak's MB-per-job slope. A leak grows memory by a fixed
// amount per job, so a straight line is the model; r² says how well the line explains the samples.

export interface Point {
  x: number;
  y: number;
}

export interface LinearFit {
  slope: number;
  intercept: number;
  /** Coefficient of determination, 0..1; 1 when the samples lie on the line (or never vary). */
  r2: number;
  n: number;
}

/** The best line through the points, or null when x never varies (no slope to speak of). */
export function leastSquares(points: readonly Point[]): LinearFit | null {
  const n = points.length;
  if (n < 2) return null;
  const meanX = points.reduce((s, p) => s + p.x, 0) / n;
  const meanY = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    const dx = p.x - meanX;
    const dy = p.y - meanY;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy), n };
}
