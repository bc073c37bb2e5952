// The shapes of the /api answers the console reads (it reads them from the API
// itself, so it shows exactly what an integrator sees).
export interface Named {
  id: string;
  name: string;
}

export interface OperatorAnswer extends Named {
  googleEnabled: boolean;
  useConfigToken: boolean;
  provider: string;
  account: Record<string, unknown>;
}

export interface EventTypeAnswer extends Named {
  googleSync: boolean;
  display: { fields: string[]; features: string[] };
}

export interface BindingAnswer {
  bindingId: string;
  eventTypeId: string;
  calendarName: string;
}

export interface TaskAnswer {
  id: string;
  number: string;
  subject: string;
  start: string;
  end: string;
  eventTypeId: string;
  operatorId: string;
  customer?: string | null;
  status: string;
}

export type SettingsAnswer = Record<string, unknown> & { timeZone: string };
