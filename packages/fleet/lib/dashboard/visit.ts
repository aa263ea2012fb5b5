/**
 * Who a dashboard request is from (set by the router's first middleware), and what a page module needs
 * to answer with the dashboard's frame: so that page groups can live in routers of their own.
 */
import type { Response } from 'express';
import type { Logger } from '@jibri-ts/common';
import type { FleetAdmin } from '../admin';
import type { FleetConfig } from '../config';
import type { Deployer } from '../deployer';
import type { Account, Deployment, FleetStore } from '../store';
import type { Html } from './html';
import type { Frame } from './layout';
import type { User } from '../users-store';

export interface Visit {
  secure: boolean;
  session?: string;
  user?: User;
  account?: Account;
  /** What this browser's CSRF tokens are bound to. */
  binding: string;
  csrf: string;
}

export const visitOf = (res: Response): Visit => res.locals.visit as Visit;

/** Answers with a page in the dashboard's frame (navigation, the signed-in user, notices). */
export type SendPage = (res: Response, status: number, frame: Omit<Frame, 'csrf'>, body: Html, notices?: Frame['notices']) => void;

/** Pure: a domain name as the dashboard's paths take it. */
export function isDomainName(d: string): boolean {
  return /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(d);
}

/** What every page group's router is given by the dashboard. */
export interface PageContext {
  config: FleetConfig;
  store: FleetStore;
  deployer: Deployer;
  admin: FleetAdmin;
  log: Logger;
  send: SendPage;
  /** The account's deployments that are deploying, ready or expiring. */
  running: (accountId: string) => Deployment[];
}
