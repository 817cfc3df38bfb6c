import { MOVED_JOINT_Z, withJointLevel, type MetricMovement } from '../../../src/lib/explain/metric-movement';

const still: MetricMovement = { direction: 'none', strength: 0.1, signed: 0, robustZ: 0.4 };

describe('withJointLevel', () => {
  it('takes the joint departure when it is the larger movement, with its sign', () => {
    const down = withJointLevel(still, -MOVED_JOINT_Z);
    expect(down).toEqual({ direction: 'down', strength: 0.5, signed: -0.5, robustZ: 0.4 });
    expect(withJointLevel(still, 100)).toEqual({ direction: 'up', strength: 1, signed: 1, robustZ: 0.4 });
  });

  it('keeps the univariate movement when it is larger, or when there is no usable joint level', () => {
    const strong: MetricMovement = { direction: 'up', strength: 0.9, signed: 0.9, robustZ: 7 };
    expect(withJointLevel(strong, -4)).toBe(strong);
    expect(withJointLevel(still, undefined)).toBe(still);
    expect(withJointLevel(still, Number.NaN)).toBe(still);
  });
});
