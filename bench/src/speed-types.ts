/** The shape of the speed part of bench/results.json. */
export interface SpeedTable {
  title: string;
  note?: string;
  columns: string[];
  rows: string[][];
}

export interface SpeedResults {
  generatedAt: string;
  environment: Record<string, string | number>;
  seconds: number;
  tables: SpeedTable[];
  targets: { target: string; measured: string; met: boolean }[];
  raw: Record<string, unknown>;
}
