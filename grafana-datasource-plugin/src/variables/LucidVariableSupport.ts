import { CustomVariableSupport, type DataQueryRequest, type DataQueryResponse } from '@grafana/data';
import { from, map, type Observable } from 'rxjs';
import { VariableQueryEditor } from '../components/VariableQueryEditor';
import type { DataSource } from '../datasource';
import type { LucidVariableDataQuery } from '../types';

/** Template variables through the data source's `metricFindQuery` (sites, zones, devices, metrics). */
export class LucidVariableSupport extends CustomVariableSupport<DataSource, LucidVariableDataQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  query(request: DataQueryRequest<LucidVariableDataQuery>): Observable<DataQueryResponse> {
    return from(
      this.datasource.metricFindQuery(request.targets[0], { range: request.range, scopedVars: request.scopedVars })
    ).pipe(map((data) => ({ data })));
  }
}
