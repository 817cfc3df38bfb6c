import type { AnomalyType } from '../contracts/types';

/** Normal behaviour of one metric of a simulated piece of equipment, in the playbook's unit. */
export interface EquipmentMetricModel {
  /** Normal level of a typical unit. */
  base: number;
  /** σ of the per-device offset from `base`. */
  spread: number;
  /** σ of the reading noise. */
  noise: number;
  /** Datasheet accuracy of the sensor, ± (declared in the simulated fleet). */
  accuracy: number;
  /** Decimals the sensor reports. */
  decimals: number;
}

/** One injectable fault: the physical effect of a playbook cause on the metrics. */
export interface EquipmentFaultModel {
  /** The playbook cause rule this fault is an instance of (its ground-truth label). */
  causeId: string;
  /** Change of each affected metric once the fault has developed, in the metric's unit. */
  effects: Record<string, number>;
  /** Time for the fault to develop fully, ms. */
  rampMs: number;
  durationMs: number;
  /** The anomaly type the fault shows as. */
  expectedType: AnomalyType;
}

/** A simulated kind of equipment: its shipped playbook, id prefix, metrics and faults. */
export interface EquipmentModel {
  playbookId: string;
  /** Device ids are `<idPrefix>-01`, `<idPrefix>-02`, … */
  idPrefix: string;
  metrics: Record<string, EquipmentMetricModel>;
  faults: EquipmentFaultModel[];
}

/**
 * Simulation models of the equipment with shipped playbooks, keyed by device type. Normal levels
 * are typical design values (e.g. 6.7 °C chilled water, 436 V on a float-charged 32-block VRLA
 * string, 7.5 bar compressed air); noise is a few tenths of the sensors' accuracy. Fault effects
 * are the physical consequences of each fault as the playbook's references describe them, written
 * per metric in its unit, independently of the cause rule's signature weights; a fault also moves
 * metrics its rule does not name where the physics says so (a CRAC failure warms the rack exhaust
 * too).
 */
export const EQUIPMENT_MODELS: Record<string, EquipmentModel> = {
  ahu: {
    playbookId: 'ahu',
    idPrefix: 'ahu',
    metrics: {
      supplyAirTempC: { base: 13, spread: 0.4, noise: 0.12, accuracy: 0.3, decimals: 2 },
      returnAirTempC: { base: 23, spread: 0.5, noise: 0.12, accuracy: 0.3, decimals: 2 },
      mixedAirTempC: { base: 18, spread: 0.5, noise: 0.15, accuracy: 0.3, decimals: 2 },
      supplyFanSpeedPct: { base: 65, spread: 3, noise: 0.4, accuracy: 0.5, decimals: 1 },
      ductStaticPressurePa: { base: 375, spread: 10, noise: 4, accuracy: 5, decimals: 0 },
      filterDpPa: { base: 120, spread: 8, noise: 1.5, accuracy: 3, decimals: 1 },
      coolingValvePct: { base: 45, spread: 4, noise: 0.8, accuracy: 1, decimals: 1 },
      outdoorDamperPct: { base: 30, spread: 2, noise: 0.3, accuracy: 1, decimals: 1 },
    },
    faults: [
      {
        causeId: 'ahu.filter_loading',
        effects: { filterDpPa: 150, supplyFanSpeedPct: 8 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'ahu.fan_belt_failure',
        effects: { ductStaticPressurePa: -140, filterDpPa: -45, supplyFanSpeedPct: 18 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'ahu.chilled_water_loss',
        effects: { supplyAirTempC: 5, coolingValvePct: 45 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'ahu.economizer_stuck_open',
        effects: { mixedAirTempC: 5, coolingValvePct: 25, supplyAirTempC: 1.2 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'ahu.duct_blockage',
        effects: { ductStaticPressurePa: 180, supplyFanSpeedPct: -14, filterDpPa: -30 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
    ],
  },
  chiller: {
    playbookId: 'chiller',
    idPrefix: 'chiller',
    metrics: {
      chwSupplyTempC: { base: 6.7, spread: 0.2, noise: 0.05, accuracy: 0.1, decimals: 2 },
      chwReturnTempC: { base: 12.2, spread: 0.3, noise: 0.06, accuracy: 0.1, decimals: 2 },
      condWaterInTempC: { base: 29.4, spread: 0.4, noise: 0.06, accuracy: 0.1, decimals: 2 },
      condWaterOutTempC: { base: 35, spread: 0.4, noise: 0.06, accuracy: 0.1, decimals: 2 },
      evapRefrigTempC: { base: 4.5, spread: 0.2, noise: 0.06, accuracy: 0.2, decimals: 2 },
      condRefrigTempC: { base: 36.5, spread: 0.4, noise: 0.06, accuracy: 0.2, decimals: 2 },
      compressorCurrentPct: { base: 70, spread: 4, noise: 0.4, accuracy: 1, decimals: 1 },
      oilPressureKpa: { base: 210, spread: 8, noise: 1.5, accuracy: 5, decimals: 0 },
    },
    faults: [
      {
        causeId: 'chiller.condenser_fouling',
        effects: { condRefrigTempC: 4, compressorCurrentPct: 6 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'chiller.low_condenser_flow',
        effects: { condWaterOutTempC: 3.5, condRefrigTempC: 3, compressorCurrentPct: 4 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'chiller.cooling_tower_fault',
        effects: { condWaterInTempC: 4, condWaterOutTempC: 4, condRefrigTempC: 4, compressorCurrentPct: 5 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'chiller.low_refrigerant_charge',
        effects: { evapRefrigTempC: -3, chwSupplyTempC: 0.9, compressorCurrentPct: -6 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'chiller.low_chilled_water_flow',
        effects: { chwReturnTempC: 3, chwSupplyTempC: -1, evapRefrigTempC: -2 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'chiller.low_oil_pressure',
        effects: { oilPressureKpa: -60 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
    ],
  },
  'motor-drive': {
    playbookId: 'motor-drive',
    idPrefix: 'motor',
    metrics: {
      motorCurrentA: { base: 40, spread: 2, noise: 0.25, accuracy: 0.5, decimals: 2 },
      dcBusVoltageV: { base: 650, spread: 4, noise: 1.2, accuracy: 3, decimals: 1 },
      outputFrequencyHz: { base: 50, spread: 0.1, noise: 0.02, accuracy: 0.05, decimals: 2 },
      windingTempC: { base: 75, spread: 3, noise: 0.2, accuracy: 1, decimals: 1 },
      vibrationMmS: { base: 2.0, spread: 0.2, noise: 0.06, accuracy: 0.1, decimals: 3 },
      currentImbalancePct: { base: 1.5, spread: 0.2, noise: 0.08, accuracy: 0.2, decimals: 2 },
      heatsinkTempC: { base: 45, spread: 2, noise: 0.2, accuracy: 1, decimals: 1 },
    },
    faults: [
      {
        causeId: 'motor-drive.bearing_wear',
        effects: { vibrationMmS: 3, windingTempC: 2 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'motor-drive.mechanical_overload',
        effects: { motorCurrentA: 9, windingTempC: 10 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'motor-drive.phase_unbalance',
        effects: { currentImbalancePct: 6, windingTempC: 5 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'motor-drive.drive_cooling',
        effects: { heatsinkTempC: 15 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'motor-drive.dc_bus_sag',
        effects: { dcBusVoltageV: -60 },
        rampMs: 120000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
    ],
  },
  'air-compressor': {
    playbookId: 'air-compressor',
    idPrefix: 'aircomp',
    metrics: {
      dischargePressureBar: { base: 7.5, spread: 0.05, noise: 0.015, accuracy: 0.02, decimals: 3 },
      dischargeTempC: { base: 82, spread: 2, noise: 0.25, accuracy: 1, decimals: 1 },
      motorCurrentA: { base: 120, spread: 5, noise: 0.7, accuracy: 1, decimals: 1 },
      separatorDpBar: { base: 0.3, spread: 0.02, noise: 0.004, accuracy: 0.01, decimals: 3 },
      dewPointC: { base: 3, spread: 0.3, noise: 0.1, accuracy: 0.5, decimals: 2 },
      loadPct: { base: 65, spread: 4, noise: 0.8, accuracy: 1, decimals: 1 },
    },
    faults: [
      {
        causeId: 'air-compressor.air_leak',
        effects: { loadPct: 20, dischargePressureBar: -0.3, motorCurrentA: 14 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'air-compressor.cooling_fault',
        effects: { dischargeTempC: 12 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'air-compressor.separator_clogged',
        effects: { separatorDpBar: 0.5, motorCurrentA: 6 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'air-compressor.intake_restriction',
        effects: { dischargePressureBar: -0.35, motorCurrentA: -9, loadPct: 15 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'air-compressor.dryer_failure',
        effects: { dewPointC: 8 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
    ],
  },
  'dc-rack': {
    playbookId: 'dc-rack',
    idPrefix: 'rack',
    metrics: {
      rackInletTempC: { base: 22, spread: 0.6, noise: 0.08, accuracy: 0.3, decimals: 2 },
      rackOutletTempC: { base: 35, spread: 1, noise: 0.12, accuracy: 0.3, decimals: 2 },
      rackPowerKw: { base: 8, spread: 0.5, noise: 0.04, accuracy: 0.05, decimals: 2 },
      inletDewPointC: { base: 9, spread: 0.4, noise: 0.08, accuracy: 0.5, decimals: 2 },
      cracSupplyTempC: { base: 18, spread: 0.3, noise: 0.07, accuracy: 0.3, decimals: 2 },
      cracFanSpeedPct: { base: 60, spread: 3, noise: 0.4, accuracy: 1, decimals: 1 },
      floorPressurePa: { base: 20, spread: 1, noise: 0.25, accuracy: 0.5, decimals: 2 },
    },
    faults: [
      {
        causeId: 'dc-rack.crac_cooling_loss',
        effects: { cracSupplyTempC: 6, rackInletTempC: 5, rackOutletTempC: 5 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'dc-rack.hot_air_recirculation',
        effects: { rackInletTempC: 5, rackOutletTempC: 2 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'dc-rack.crac_airflow_loss',
        effects: { floorPressurePa: -10, cracFanSpeedPct: -30, rackInletTempC: 3 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'dc-rack.it_load_increase',
        effects: { rackPowerKw: 3, rackOutletTempC: 5 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'dc-rack.humidity_control',
        effects: { inletDewPointC: 6 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
    ],
  },
  ups: {
    playbookId: 'ups',
    idPrefix: 'ups',
    metrics: {
      inputVoltageV: { base: 230, spread: 2, noise: 0.5, accuracy: 1, decimals: 1 },
      outputVoltageV: { base: 230, spread: 0.5, noise: 0.2, accuracy: 1, decimals: 1 },
      loadPct: { base: 45, spread: 5, noise: 0.3, accuracy: 1, decimals: 1 },
      batteryVoltageV: { base: 436, spread: 1.5, noise: 0.2, accuracy: 0.5, decimals: 1 },
      batteryCurrentA: { base: 0.5, spread: 0.05, noise: 0.04, accuracy: 0.1, decimals: 2 },
      batteryTempC: { base: 25, spread: 0.5, noise: 0.08, accuracy: 0.5, decimals: 2 },
      inverterTempC: { base: 40, spread: 1.5, noise: 0.15, accuracy: 1, decimals: 1 },
    },
    faults: [
      {
        causeId: 'ups.mains_failure',
        effects: { inputVoltageV: -200, batteryCurrentA: -30, batteryVoltageV: -15 },
        rampMs: 60000,
        durationMs: 900000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'ups.battery_thermal',
        effects: { batteryTempC: 10, batteryCurrentA: 2 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'ups.overload',
        effects: { loadPct: 40, inverterTempC: 8 },
        rampMs: 120000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'ups.charger_fault',
        effects: { batteryVoltageV: -12, batteryCurrentA: -0.6 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'ups.inverter_cooling',
        effects: { inverterTempC: 15 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
    ],
  },
  'pv-inverter': {
    playbookId: 'pv-inverter',
    idPrefix: 'pv',
    metrics: {
      irradianceWm2: { base: 800, spread: 20, noise: 4, accuracy: 10, decimals: 0 },
      dcVoltageV: { base: 600, spread: 8, noise: 0.8, accuracy: 2, decimals: 1 },
      dcCurrentA: { base: 14, spread: 0.3, noise: 0.05, accuracy: 0.1, decimals: 2 },
      acPowerKw: { base: 8, spread: 0.2, noise: 0.03, accuracy: 0.05, decimals: 2 },
      gridVoltageV: { base: 230, spread: 1.5, noise: 0.4, accuracy: 1, decimals: 1 },
      heatsinkTempC: { base: 45, spread: 2, noise: 0.15, accuracy: 1, decimals: 1 },
      isolationKohm: { base: 1500, spread: 80, noise: 8, accuracy: 20, decimals: 0 },
    },
    faults: [
      {
        causeId: 'pv-inverter.soiling_shading',
        effects: { dcCurrentA: -3, acPowerKw: -1.7 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'pv-inverter.module_bypass',
        effects: { dcVoltageV: -40, acPowerKw: -0.5 },
        rampMs: 120000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'pv-inverter.overtemperature_derating',
        effects: { heatsinkTempC: 20, acPowerKw: -1.5, dcCurrentA: -2, dcVoltageV: 20 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'pv-inverter.grid_overvoltage',
        effects: { gridVoltageV: 18, acPowerKw: -2 },
        rampMs: 120000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'pv-inverter.insulation_fault',
        effects: { isolationKohm: -1200 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'pv-inverter.cloud_cover',
        effects: { irradianceWm2: -400, dcCurrentA: -7, acPowerKw: -4, dcVoltageV: -5 },
        rampMs: 120000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
    ],
  },
  'cold-chain': {
    playbookId: 'cold-chain',
    idPrefix: 'fridge',
    metrics: {
      cabinetTempC: { base: 5, spread: 0.3, noise: 0.06, accuracy: 0.2, decimals: 2 },
      evaporatorTempC: { base: -5, spread: 0.5, noise: 0.12, accuracy: 0.3, decimals: 2 },
      condenserTempC: { base: 40, spread: 1, noise: 0.15, accuracy: 0.5, decimals: 2 },
      compressorCurrentA: { base: 1.5, spread: 0.1, noise: 0.015, accuracy: 0.02, decimals: 3 },
      compressorDutyPct: { base: 45, spread: 4, noise: 0.8, accuracy: 1, decimals: 1 },
      ambientTempC: { base: 23, spread: 1, noise: 0.1, accuracy: 0.3, decimals: 2 },
    },
    faults: [
      {
        causeId: 'cold-chain.door_ajar',
        effects: { cabinetTempC: 3, compressorDutyPct: 35, compressorCurrentA: 0.15, evaporatorTempC: 2 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'cold-chain.condenser_blocked',
        effects: { condenserTempC: 12, compressorCurrentA: 0.3, compressorDutyPct: 15 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'cold-chain.evaporator_iced',
        effects: { evaporatorTempC: -6, cabinetTempC: 3, compressorDutyPct: 30 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'cold-chain.compressor_failure',
        effects: {
          compressorCurrentA: -1.4,
          compressorDutyPct: -40,
          condenserTempC: -15,
          cabinetTempC: 4,
          evaporatorTempC: 9,
        },
        rampMs: 120000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'cold-chain.low_refrigerant',
        effects: { compressorDutyPct: 40, compressorCurrentA: -0.3, evaporatorTempC: 3, cabinetTempC: 2 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
    ],
  },
  'network-gateway': {
    playbookId: 'network-gateway',
    idPrefix: 'gw',
    metrics: {
      cpuPct: { base: 20, spread: 3, noise: 0.6, accuracy: 1, decimals: 1 },
      memoryPct: { base: 45, spread: 3, noise: 0.15, accuracy: 0.5, decimals: 1 },
      wanLatencyMs: { base: 25, spread: 3, noise: 0.8, accuracy: 1, decimals: 1 },
      packetLossPct: { base: 0.5, spread: 0.05, noise: 0.08, accuracy: 0.1, decimals: 2 },
      wanThroughputMbps: { base: 40, spread: 4, noise: 1.2, accuracy: 0.5, decimals: 1 },
      boardTempC: { base: 48, spread: 2, noise: 0.15, accuracy: 1, decimals: 1 },
      rssiDbm: { base: -70, spread: 3, noise: 0.8, accuracy: 2, decimals: 0 },
    },
    faults: [
      {
        causeId: 'network-gateway.uplink_congestion',
        effects: { wanThroughputMbps: 50, wanLatencyMs: 80, packetLossPct: 1.5 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'network-gateway.path_degradation',
        effects: { packetLossPct: 5, wanLatencyMs: 100, wanThroughputMbps: -20 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'network-gateway.radio_degradation',
        effects: { rssiDbm: -15, packetLossPct: 1.5, wanLatencyMs: 15, wanThroughputMbps: -15 },
        rampMs: 180000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'network-gateway.cpu_overload',
        effects: { cpuPct: 60, boardTempC: 2.5 },
        rampMs: 120000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
      {
        causeId: 'network-gateway.memory_leak',
        effects: { memoryPct: 30 },
        rampMs: 900000,
        durationMs: 1500000,
        expectedType: 'drift',
      },
      {
        causeId: 'network-gateway.overheating',
        effects: { boardTempC: 15 },
        rampMs: 240000,
        durationMs: 1200000,
        expectedType: 'level_shift',
      },
    ],
  },
};
