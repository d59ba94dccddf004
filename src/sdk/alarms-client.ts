import type { Alarm, AlarmFilter, CreateAlarmRequest } from '../contracts/index.js';
import type { HttpClient } from './http.js';
import { ResourceClient } from './resource-client.js';

export type { Alarm, AlarmFilter, CreateAlarmRequest };

/** Alarms: a threshold on a stored metric over N of M periods, with actions on each transition. */
export class AlarmsClient extends ResourceClient<Alarm, CreateAlarmRequest, AlarmFilter> {
  constructor(http: HttpClient) {
    super(http, 'alarms');
  }

  /** Deletes an alarm and its history; what its actions started stays. */
  async delete(name: string): Promise<void> {
    await this.http.request('DELETE', this.pathOf(name));
  }

  /** Evaluated again by the server, from INSUFFICIENT_DATA. */
  async enable(name: string): Promise<Alarm> {
    return this.http.request('POST', `${this.pathOf(name)}/enable`);
  }

  /** No longer evaluated; its state stays as it was. */
  async disable(name: string): Promise<Alarm> {
    return this.http.request('POST', `${this.pathOf(name)}/disable`);
  }

  /** Evaluates an enabled alarm now (its actions run if its state changes) and answers it. */
  async evaluate(name: string): Promise<Alarm> {
    return this.http.request('POST', `${this.pathOf(name)}/evaluate`);
  }
}
