import { nelderMead } from './nelder-mead';

const box = (n: number, lo: number, hi: number) => ({
  lower: Array.from({ length: n }, () => lo),
  upper: Array.from({ length: n }, () => hi),
});

describe('nelderMead', () => {
  it('finds the Rosenbrock minimum at (1, 1)', () => {
    const rosenbrock = (x: Float64Array) => 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2;
    const result = nelderMead(rosenbrock, [-1.2, 1], { ...box(2, -5, 5), fTol: 1e-15, xTol: 1e-10 });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 6);
    expect(result.x[1]).toBeCloseTo(1, 6);
    expect(result.fx).toBeLessThan(1e-12);
  });

  it('minimises a badly scaled 4-D quadratic', () => {
    const target = [3, -2, 0.5, 7];
    const scale = [1, 100, 0.01, 10];
    const f = (x: Float64Array) => x.reduce((acc, v, i) => acc + scale[i] * (v - target[i]) ** 2, 0);
    const result = nelderMead(f, [0, 0, 0, 0], box(4, -10, 10));
    expect(result.converged).toBe(true);
    result.x.forEach((v, i) => expect(v).toBeCloseTo(target[i], 3));
  });

  it('stops on the bound when the unconstrained minimum lies outside the box', () => {
    const f = (x: Float64Array) => (x[0] - 5) ** 2 + (x[1] + 1) ** 2;
    const result = nelderMead(f, [0, 0], { lower: [-2, -2], upper: [2, 2] });
    expect(result.x[0]).toBe(2);
    expect(result.x[1]).toBeCloseTo(-1, 6);
  });

  it('treats NaN and infinite values as infeasible instead of propagating them', () => {
    const f = (x: Float64Array) => (x[0] < 0.5 ? Number.NaN : x[0] > 3 ? Infinity : (x[0] - 1) ** 2);
    const result = nelderMead(f, [2], { lower: [-10], upper: [10] });
    expect(result.x[0]).toBeCloseTo(1, 6);
    expect(Number.isFinite(result.fx)).toBe(true);
  });

  it('clamps the start into the box and reports an exhausted budget as not converged', () => {
    const f = (x: Float64Array) => (x[0] - 1) ** 2 + (x[1] - 1) ** 2;
    const result = nelderMead(f, [50, -50], { ...box(2, -3, 3), maxIterations: 3 });
    expect(result.converged).toBe(false);
    expect(result.iterations).toBe(3);
    result.x.forEach((v) => expect(Math.abs(v)).toBeLessThanOrEqual(3));
  });

  it('rejects bounds that do not match the start', () => {
    expect(() => nelderMead(() => 0, [0, 0], { lower: [0], upper: [1] })).toThrow(RangeError);
  });
});
