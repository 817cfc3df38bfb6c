import React from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { Stack, Text } from '@grafana/ui';
import { type LucidQuery, QueryType } from '../types';
import { AlertFilters } from './QueryEditor';

/** Annotation editor: which alerts become annotations (same filters as Alerts queries). */
export function AnnotationQueryEditor(props: QueryEditorProps<any, LucidQuery>) {
  const query: LucidQuery = { ...props.query, queryType: QueryType.Annotations };
  return (
    <Stack direction="column" gap={1}>
      <Text element="p" color="secondary">
        Each matching alert becomes a region from first to last seen, coloured by severity, with the explanation&apos;s
        summary and tags (severity, status, site, device, metric, type).
      </Text>
      <AlertFilters
        query={query}
        onChange={(q) => props.onChange({ ...q, queryType: QueryType.Annotations })}
        onRunQuery={props.onRunQuery}
      />
    </Stack>
  );
}
